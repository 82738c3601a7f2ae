// `prodctl down [--volumes --yes]`.
import { printLine } from '../lib/output.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';
import { targetContext } from './target-context.js';

export async function runDown(ctx: CliContext, o: { volumes?: boolean; target?: string }): Promise<void> {
  const stack = await loadStack(ctx);
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  await target.down(targetContext(ctx, stack), { volumes: Boolean(o.volumes) });
  printLine(`down: ${stack.plan.project} stopped${o.volumes ? ', data deleted' : ''}`);
}
