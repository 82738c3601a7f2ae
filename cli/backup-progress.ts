// Progress on a terminal: one redrawn stderr line per part with bytes and throughput. Silent when
// stderr is not a TTY or --json is on, so logs and pipes stay clean.
import type { ProgressEvent } from '../backup/sources.js';
import { formatBytes } from '../lib/output.js';

export function createProgress(enabled: boolean): { onProgress: (e: ProgressEvent) => void; end(): void } {
  const tty = enabled && Boolean(process.stderr.isTTY);
  let bytes = 0;
  let started = Date.now();
  let last = 0;
  const draw = (part: string, final = false) => {
    if (!tty) return;
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(`\r\u001b[2K  ${part}: ${formatBytes(bytes)} (${formatBytes(bytes / secs)}/s)${final ? '\n' : ''}`);
  };
  return {
    onProgress(e) {
      if (e.phase === 'start') {
        bytes = 0;
        started = Date.now();
        if (tty) process.stderr.write(`→ ${e.part}\n`);
      } else if (e.phase === 'bytes') {
        bytes += e.bytes ?? 0;
        if (Date.now() - last > 200) {
          last = Date.now();
          draw(e.part);
        }
      } else if (e.part !== 'manifest') draw(e.part, true);
    },
    end() {},
  };
}
