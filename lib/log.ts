// Human-facing progress log on stderr (stdout is kept for results and --json). Every line is redacted.
import { paint, shouldColor } from './output.js';
import { redactText } from './redact.js';

export interface Logger {
  info(msg: string): void;
  step(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

export function createLogger(opts: { verbose?: boolean; quiet?: boolean } = {}): Logger {
  const color = shouldColor(process.stderr);
  const write = (line: string) => process.stderr.write(`${redactText(line)}\n`);
  return {
    info: (m) => !opts.quiet && write(m),
    step: (m) => !opts.quiet && write(`${paint('→', 'cyan', color)} ${m}`),
    warn: (m) => write(`${paint('warn:', 'yellow', color)} ${m}`),
    debug: (m) => opts.verbose && write(paint(m, 'gray', color)),
  };
}

export const silentLogger: Logger = { info() {}, step() {}, warn() {}, debug() {} };
