import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('releases')
    .description('List recorded releases: version, image, plan hash, who, when, outcome, duration')
    .option('-n, --limit <count>', 'show only the newest N', '20')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl releases
  $ prodctl releases --json | jq '.[] | select(.outcome == "applied") | .version'

Releases live in <state>/releases.json and on the containers' prodctl.release labels.`,
    )
    .action(async (opts, cmd: Command) => {
      const { runReleases } = await import('../run-releases.js');
      runReleases(createContext(cmd), opts);
    });
}
