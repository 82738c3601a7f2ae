import { printJson, printLine } from '../lib/output.js';
import type { CliContext } from './context.js';

export async function runNodeLabel(ctx: CliContext, node: string, pairs: string[]): Promise<void> {
  const { createEngine } = await import('../engine/engine.js');
  const { labelNode, parseNodeLabels } = await import('../targets/swarm/node-labels.js');
  const labels = await labelNode(createEngine(), node, parseNodeLabels(pairs));
  if (ctx.json) printJson({ node, labels });
  else printLine(`${node}: ${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ') || 'no labels'}`);
}
