// CLI conventions: --help with examples on every command, NO_COLOR, the version flag.
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../cli/main.js';
import { ROOT, runCli } from './run-cli.js';

const BAD = path.join(ROOT, 'test/fixtures/profile/bad/bad-size.yaml');

/** Every registered command path, subcommands included: ['backup', 'list'], … */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('--help', () => {
  const paths = commandPaths(buildProgram(['node', 'prodctl']));

  it('lists every registered command', async () => {
    expect(paths.length).toBeGreaterThanOrEqual(21);
    const r = await runCli(['--help']);
    expect(r.exitCode).toBe(0);
    for (const p of paths.filter((x) => x.length === 1)) expect(r.stdout).toMatch(new RegExp(`^  ${p[0]}\\b`, 'm'));
    expect(r.stdout).toContain('Examples:');
  });

  // Sub-subcommands (backup list, keys create, …) inherit their parent's examples; the command itself must have them.
  it.concurrent.each(paths.filter((p) => p.length === 1).map((p) => p[0]))('%s --help has examples', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\nExamples:\n {2}\$ prodctl /);
    expect(r.stderr).toBe('');
  });
});

describe('NO_COLOR', () => {
  it('colours errors when forced, and never when NO_COLOR or --no-color is set', async () => {
    const forced = await runCli(['validate', '-f', BAD], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(forced.stderr).toMatch(/^\u001b\[31merror:\u001b\[0m /);
    const noColor = await runCli(['validate', '-f', BAD], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(noColor.stderr).toMatch(/^error: /);
    expect(noColor.stderr).not.toContain('\u001b[');
    const flag = await runCli(['validate', '-f', BAD, '--no-color'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(flag.stderr).not.toContain('\u001b[');
    expect(flag.exitCode).toBe(2);
  });
});

describe('--version', () => {
  it('prints the version at the top level', async () => {
    const r = await runCli(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('0.1.0\n');
  });

  it('reaches a subcommand that has its own --version option (deploy --version v42)', async () => {
    const argv = ['node', 'prodctl', '-f', 'x.yaml', 'deploy', '--version', 'v42', '--json'];
    const program = buildProgram(argv);
    let seen: Record<string, unknown> | undefined;
    program.commands.find((c) => c.name() === 'deploy')!.action((opts, cmd: Command) => {
      seen = { ...opts, json: cmd.optsWithGlobals().json, file: cmd.optsWithGlobals().file };
    });
    await program.parseAsync(argv);
    expect(seen).toEqual({ version: 'v42', json: true, file: 'x.yaml' });
  });

  it('is an unknown option on a command without one (exit 2)', async () => {
    const r = await runCli(['plan', '--version']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--version'\n");
  });
});
