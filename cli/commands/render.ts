import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('render')
    .description('Write every config the stack needs (compose, edge, monitoring, postgres, redis, k6); byte-identical on every run')
    .option('-o, --out <dir>', 'output folder (default: ./rendered next to the profile)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl render                                    write into ./rendered next to prodctl.yaml
  $ prodctl render -f examples/medium/prodctl.yaml --out out/
  $ prodctl render --json                             list the files written as JSON`,
    )
    .action(async (opts: { out?: string }, cmd) => {
      const { runRender } = await import('../run-render.js');
      await runRender(createContext(cmd), opts);
    });
}
