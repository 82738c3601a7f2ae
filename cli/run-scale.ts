import { UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';

const ALIASES: Record<string, string> = { workers: 'worker', apis: 'api' };

/** Pure: ["api=3", "workers=5"] → { api: 3, worker: 5 }. */
export function parseScaleCounts(pairs: string[], known: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([a-z-]+)=(\d+)$/.exec(pair);
    if (!m) throw new UsageError(`cannot read "${pair}"`, 'write service=count, e.g. api=3 workers=5');
    const name = ALIASES[m[1]] ?? m[1];
    if (!known.includes(name)) throw new UsageError(`unknown service "${m[1]}"`, `one of: ${known.join(', ')}`);
    out[name] = Number(m[2]);
  }
  return out;
}

export async function runScale(ctx: CliContext, pairs: string[], o: { target?: string }): Promise<void> {
  const stack = await loadStack(ctx);
  const counts = parseScaleCounts(pairs, stack.plan.services.filter((s) => s.role === 'app').map((s) => s.name));
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  const result = await target.scale({ plan: stack.plan, renderedDir: stack.renderedDir, stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes }, counts);
  if (ctx.json) printJson(result);
  else printLine(result.outcome === 'noop' ? 'already at those counts' : `scaled: ${result.changes.join('; ')}`);
}
