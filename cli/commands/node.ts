import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  const node = program
    .command('node')
    .description('Swarm nodes: the labels that place services (target: swarm)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl node label node-1 role=data
  $ prodctl node label node-2 engine=tcp://10.0.0.12:2376

See docs/swarm.md for what each label does.`,
    );
  node
    .command('label')
    .argument('<node>', 'node hostname or id, as `docker node ls` shows it')
    .argument('<labels...>', 'key=value to set, -key to remove (stored as prodctl.<key>)')
    .description('Set prodctl labels on a swarm node through the manager at DOCKER_HOST')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl node label node-1 role=data      # Postgres, Redis and Prometheus run here
  $ prodctl node label node-1 -role          # remove the label
  $ DOCKER_HOST=tcp://10.0.0.5:2376 prodctl node label db-host role=data --json

Data services are pinned to nodes labelled role=data: their volumes live on that node's disk.`,
    )
    .action(async (name: string, labels: string[], _opts, cmd: Command) => {
      const { runNodeLabel } = await import('../run-node.js');
      await runNodeLabel(createContext(cmd), name, labels);
    });
}
