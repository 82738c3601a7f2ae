import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('logs')
    .description("Show a service's logs (every replica, prefixed by its id)")
    .argument('<service>', 'api | worker | postgres | redis | edge | prometheus | alertmanager | …, or one replica id such as api-3')
    .option('-f, --follow', 'keep printing new lines')
    .option('--since <duration>', 'only lines from this long ago, e.g. 10m')
    .option('-n, --tail <lines>', 'only the last N lines of each replica', (v) => Number.parseInt(v, 10))
    .option('--target <kind>', 'override the profile target: native | docker | swarm')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl logs api -n 50          the last 50 lines of every API replica
  $ prodctl logs worker -f          follow the workers
  $ prodctl logs postgres --since 10m

Exit codes: 0 · 2 unknown service or bad option`,
    )
    .action(async (service: string, opts, cmd: Command) => {
      const { runLogs } = await import('../run-logs.js');
      await runLogs(createContext(cmd), service, opts);
    });
}
