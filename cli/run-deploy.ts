import { TargetError } from '../lib/errors.js';
import { parseDuration } from '../profile/units.js';
import { printJson, printLine } from '../lib/output.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';

export interface DeployCliOptions {
  version?: string;
  build?: string;
  target?: string;
  lockWait?: string;
}

export async function runDeploy(ctx: CliContext, o: DeployCliOptions): Promise<void> {
  const stack = await loadStack(ctx);
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  const result = await target.deploy(
    { plan: stack.plan, renderedDir: stack.renderedDir, stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes },
    { version: o.version, build: o.build, lockWait: o.lockWait ? parseDuration(o.lockWait) : undefined },
  );
  if (ctx.json) printJson(result);
  else if (result.outcome === 'noop') printLine('nothing to deploy: the running stack already matches the plan');
  else printLine(`deploy ${result.outcome}${result.release ? ` (release ${result.release})` : ''} in ${(result.durationMs / 1000).toFixed(1)}s`);
  if (result.outcome === 'failed' || result.outcome === 'rolled-back') {
    throw new TargetError(`deploy ${result.outcome}: ${result.reason ?? 'see the log above'}`, 'the previous release keeps serving; fix the cause and deploy again');
  }
}
