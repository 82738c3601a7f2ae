// The TargetContext every stack command hands its target.
import type { TargetContext } from '../targets/types.js';
import type { CliContext } from './context.js';
import type { LoadedStack } from './load-stack.js';

export function targetContext(ctx: CliContext, stack: LoadedStack): TargetContext {
  return { plan: stack.plan, renderedDir: stack.renderedDir, stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes, profile: { path: ctx.profilePath, env: ctx.envName } };
}
