// `prodctl up`: profile → plan → rendered files → target.up(); prints what changed, or that
// nothing did.
import { printJson, printLine } from '../lib/output.js';
import { autoscalerOmittedReason } from '../plan/autoscale-service.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';
import { targetContext } from './target-context.js';

export async function runUp(ctx: CliContext, o: { target?: string }): Promise<void> {
  const stack = await loadStack(ctx);
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  const tctx = targetContext(ctx, stack);
  const omitted = autoscalerOmittedReason(stack.plan.profile, target.kind);
  if (omitted) ctx.log.warn(omitted);
  const result = await target.up(tctx);
  if (ctx.json) return printJson({ ...result, status: await target.status(tctx) });
  if (result.outcome === 'noop') printLine(`nothing changed: ${result.changes.join('; ')}`);
  else for (const c of result.changes) printLine(`  ${c}`);
  const status = await target.status(tctx);
  for (const [name, url] of Object.entries(status.urls)) printLine(`${name.padEnd(13)} ${url}`);
  printLine(`up ${result.outcome === 'noop' ? '(unchanged)' : 'done'} in ${(result.durationMs / 1000).toFixed(1)}s — release ${result.release ?? '?'}`);
}
