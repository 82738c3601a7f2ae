import { TargetError, UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { parseDuration } from '../profile/units.js';
import { findPreviousGood, readReleases } from '../state/releases.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';
import { targetContext } from './target-context.js';

export async function runRollback(ctx: CliContext, version: string | undefined, o: { lockWait?: string; target?: string }): Promise<void> {
  const releases = readReleases(ctx.stateDir);
  const to = version ? [...releases].reverse().find((r) => r.version === version && r.outcome === 'applied') : findPreviousGood(releases);
  if (!to) {
    throw new UsageError(
      version ? `no good release of version ${version} in ${ctx.stateDir}/releases.json` : 'there is no earlier good release to return to',
      'list them with `prodctl releases`',
    );
  }
  const stack = await loadStack(ctx);
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  if (!target.rollback) throw new UsageError(`the ${target.kind} target cannot roll back`, 'deploy the earlier release with `prodctl deploy`');
  ctx.log.step(`rolling back to ${to.version} (${to.image})`);
  const result = await target.rollback(
    targetContext(ctx, stack),
    { version: to.version, build: to.image, lockWait: o.lockWait ? parseDuration(o.lockWait) : undefined },
  );
  if (ctx.json) printJson(result);
  else printLine(result.outcome === 'noop' ? `already on ${to.version}: nothing to do` : `rolled back to ${to.version} (release ${result.release}) in ${(result.durationMs / 1000).toFixed(1)}s`);
  if (result.outcome === 'failed' || result.outcome === 'rolled-back') {
    throw new TargetError(`rollback ${result.outcome}: ${result.reason ?? 'see the log above'}`, 'the current release keeps serving; fix the cause and try again');
  }
}
