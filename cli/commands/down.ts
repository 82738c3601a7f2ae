import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('down')
    .description('Stop the whole stack in order (SIGTERM, wait, SIGKILL); nothing is left running')
    .option('--volumes', 'also delete the data (database, Redis, uploads, metrics); needs --yes')
    .option('--target <kind>', 'override the profile target: native | docker | swarm')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl down                     stop every process, keep the data
  $ prodctl down --volumes --yes     stop and delete the data for good

Exit codes: 0 stopped · 1 something could not be stopped · 2 usage (e.g. --volumes without --yes)`,
    )
    .action(async (opts, cmd: Command) => {
      const { runDown } = await import('../run-down.js');
      await runDown(createContext(cmd), opts);
    });
}
