// Entry point: builds the commander program from one small file per command. Command files
// only declare options and lazy-import their implementation, so `--help` stays fast.
import { Command, CommanderError, Option } from 'commander';
import { EXIT, ProdctlError, ConfigError, TargetError, exitCodeOf } from '../lib/errors.js';
import { paint, shouldColor } from '../lib/output.js';
import { redactText } from '../lib/redact.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from './version.js';

/**
 * Global options are recognised after the subcommand too (`prodctl plan --json`), so a global
 * `--version` would swallow a subcommand's own `--version <v>` (`prodctl deploy --version v42`).
 * The version flag is therefore registered only when no subcommand is on the command line.
 */
export function buildProgram(argv: string[] = []): Command {
  const program = new Command('prodctl')
    .description('Take a PDF-processing stack from "works on my box" to production and keep it there.')
    .option('-f, --file <path>', 'profile to use', 'prodctl.yaml')
    .option('-e, --env <name>', 'environment layer: also load prodctl.<name>.yaml next to the profile')
    .option('--set <key.path=value>', 'override one profile value (repeatable)', collect, [])
    .option('--json', 'machine-readable output on stdout')
    .option('--state-dir <dir>', 'state folder (default: .prodctl next to the profile)')
    .option('-y, --yes', 'answer yes to confirmations (non-interactive use)')
    .option('-v, --verbose', 'more detail, and stack traces on errors')
    .addOption(new Option('--no-color', 'disable colour (NO_COLOR is honoured too)'))
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl init --preset medium        write a commented prodctl.yaml and secrets
  $ prodctl render --out out/           write compose, edge, monitoring and k6 files
  $ prodctl up                          start the stack (native when no Docker engine answers)
  $ prodctl check --fail-on high        readiness sign-off; non-zero when a check fails
  $ prodctl loadtest run                the success metrics as thresholds

Exit codes: 0 ok · 1 failed · 2 usage or config error · 99 load-test thresholds failed`,
    );
  program.exitOverride();
  registerCommands(program);
  if (!hasSubcommand(program, argv)) program.version(VERSION, '-V, --version');
  return program;
}

function hasSubcommand(program: Command, argv: string[]): boolean {
  const names = new Set(program.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  return argv.slice(2).some((a) => names.has(a));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Runs the CLI and returns the exit code; the one top-level error handler lives here. */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const program = buildProgram(argv);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    return reportError(err, verbose);
  }
}

function reportError(err: unknown, verbose: boolean): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
    // commander already printed its message
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const color = shouldColor(process.stderr);
  const label = paint('error:', 'red', color);
  if (err instanceof ConfigError && err.problems.length > 0) {
    for (const p of err.problems) process.stderr.write(`${redactText(`${label} ${p}`)}\n`);
  } else if (err instanceof ProdctlError) {
    process.stderr.write(`${redactText(`${label} ${err.message}${err.hint ? ` — ${err.hint}` : ''}`)}\n`);
    if (err instanceof TargetError && err.logTail.length > 0) {
      process.stderr.write(`${redactText(err.logTail.map((l) => `  | ${l}`).join('\n'))}\n`);
    }
  } else {
    const msg = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${redactText(`${label} ${msg} — this is a bug in prodctl; re-run with --verbose and report it`)}\n`);
  }
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${redactText(err.stack)}\n`);
  return exitCodeOf(err);
}
