import { UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { parseDuration } from '../profile/units.js';
import { findPreviousGood, readReleases } from '../state/releases.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';

export async function runRollback(ctx: CliContext, version: string | undefined, o: { lockWait?: string }): Promise<void> {
  const releases = readReleases(ctx.stateDir);
  const to = version ? [...releases].reverse().find((r) => r.version === version && r.outcome === 'applied') : findPreviousGood(releases);
  if (!to) {
    throw new UsageError(
      version ? `no good release of version ${version} in ${ctx.stateDir}/releases.json` : 'there is no earlier good release to return to',
      'list them with `prodctl releases`',
    );
  }
  const stack = await loadStack(ctx);
  if (stack.plan.target === 'native') throw new UsageError(`rollback works on the docker and swarm targets; this profile targets ${stack.plan.target}`, 'set target: docker, or redeploy the earlier build with `prodctl deploy --build`');
  const { rollbackDocker } = stack.plan.target === 'swarm' ? { rollbackDocker: (await import('../targets/swarm/swarm-target.js')).rollbackSwarm } : await import('../targets/docker/docker-target.js');
  ctx.log.step(`rolling back to ${to.version} (${to.image})`);
  const result = await rollbackDocker(
    { plan: stack.plan, renderedDir: stack.renderedDir, stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes },
    { version: to.version, build: to.image, lockWait: o.lockWait ? parseDuration(o.lockWait) : undefined },
  );
  if (ctx.json) printJson(result);
  else printLine(result.outcome === 'noop' ? `already on ${to.version}: nothing to do` : `rolled back to ${to.version} (release ${result.release}) in ${(result.durationMs / 1000).toFixed(1)}s`);
}
