import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('deploy')
    .description('Bring the stack up or roll it to a new version: health-gated, zero failed requests, automatic rollback')
    .option('--version <version>', 'release version to deploy (default: git sha of the runtime build)')
    .option('--build <path-or-image>', 'native: runtime build folder to roll out; docker: image to deploy')
    .option('--target <kind>', 'override the profile target: native | docker | swarm')
    .option('--lock-wait <duration>', 'wait this long for another deploy to finish instead of failing fast')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl deploy                         apply the profile; a no-op when nothing changed
  $ prodctl deploy --version v42           roll the API and workers to v42
  $ prodctl deploy --lock-wait 10m --yes   in CI: wait for a running deploy, no prompts`,
    )
    .action(async (opts, cmd) => {
      const { runDeploy } = await import('../run-deploy.js');
      await runDeploy(createContext(cmd), opts);
    });
}
