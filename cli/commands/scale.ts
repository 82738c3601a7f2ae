import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('scale')
    .argument('<counts...>', 'service=count pairs: api=3 workers=5')
    .description('Change replica counts, health-gated (new replicas must turn healthy before old ones go)')
    .option('--target <kind>', 'override the profile target: native | docker')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl scale workers=5
  $ prodctl scale api=3 workers=2 --json

The counts are kept in the state folder and survive the next deploy.`,
    )
    .action(async (counts: string[], opts, cmd: Command) => {
      const { runScale } = await import('../run-scale.js');
      await runScale(createContext(cmd), counts, opts);
    });
}
