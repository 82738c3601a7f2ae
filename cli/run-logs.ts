// `prodctl logs <service> [-f] [--since] [-n]`.
import { UsageError } from '../lib/errors.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';
import { targetContext } from './target-context.js';

export async function runLogs(ctx: CliContext, service: string, o: { follow?: boolean; since?: string; tail?: number; target?: string }): Promise<void> {
  if (o.tail !== undefined && (!Number.isInteger(o.tail) || o.tail < 0)) throw new UsageError('--tail needs a whole number of lines', 'e.g. -n 100');
  const stack = await loadStack(ctx);
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  await target.logs(targetContext(ctx, stack), service, { follow: Boolean(o.follow), since: o.since, tail: o.tail });
}
