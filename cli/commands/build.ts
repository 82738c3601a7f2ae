import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('build')
    .description('Build the runtime image on the Docker engine, tagged with the version (no registry needed)')
    .option('--version <version>', 'image tag (default: the git sha of the working tree, else "dev")')
    .option('--base-image <image>', 'BASE_IMAGE build argument (e.g. prodctl-local/node:bookworm, offline)')
    .option('--context <dir>', 'build context (default: the prodctl package folder)')
    .option('--dockerfile <path>', 'Dockerfile inside the context', 'runtime/Dockerfile')
    .option('--repo <name>', 'image repository (default: the repository of images.api in the profile)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl build                                  tag <images.api repo>:<git sha>
  $ prodctl build --version v42 --base-image prodctl-local/node:bookworm
  $ prodctl build --json | jq -r .image

Exit codes: 0 built · 1 the build failed (last build lines printed) · 2 usage error`,
    )
    .action(async (opts, cmd: Command) => {
      const { runBuild } = await import('../run-build.js');
      await runBuild(createContext(cmd), opts);
    });
}
