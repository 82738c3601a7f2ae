import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('rollback')
    .argument('[version]', 'release version to return to (default: the last good release before the current one)')
    .description('Return to an earlier release through the same health-gated rolling path as deploy')
    .option('--lock-wait <duration>', 'wait this long for another deploy to finish instead of failing fast')
    .option('--target <kind>', 'override the profile target: native | docker | swarm')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl rollback            back to the previous good release
  $ prodctl rollback v41        back to v41 (its image must still be on the engine: deploy.keep_images)
  $ prodctl rollback --json     native too: the earlier runtime build folder, rolled in drain-first
                                (the folder must still hold that build: its content hash is checked)

Exit codes: 0 rolled back · 1 failed (the current release keeps serving) · 2 no such release`,
    )
    .action(async (version: string | undefined, opts, cmd: Command) => {
      const { runRollback } = await import('../run-rollback.js');
      await runRollback(createContext(cmd), version, opts);
    });
}
