// `prodctl autoscale run`: the worker autoscaler as a prodctl-side process. It acts only through
// the target's own `scale` (the native supervisor's reconcile, the engine's containers), under the
// deploy lock, so a running deploy wins and the autoscaler tries again on its next poll.
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_QUEUE_NAME } from '../contract/index.js';
import { TargetError, UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { createQueueSampler } from '../lib/queue-sampler.js';
import { readSecret } from '../lib/secrets.js';
import { autoscaleConfigOf } from '../plan/autoscale-settings.js';
import { secretFileOf } from '../plan/secret-file.js';
import { endpointsFile, readEndpoints } from '../checks/live/create-probes.js';
import { selectTarget } from '../targets/select-target.js';
import type { Target, TargetContext } from '../targets/types.js';
import { appendAudit } from '../state/audit.js';
import { readAutoscaleState, removeAutoscaleTextfile, writeAutoscaleState, writeAutoscaleTextfile, type AutoscaleRecord } from '../state/autoscale-state.js';
import { acquireLock, createFileLockStore, describeSelf } from '../state/lock.js';
import { runControllerLoop } from './autoscale-controller.js';
import { parseListen, startAutoscaleListener } from './autoscale-listener.js';
import { targetContext } from './target-context.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';

export async function runAutoscale(ctx: CliContext, o: { once?: boolean; target?: string; listen?: string }): Promise<void> {
  const stack = await loadStack(ctx);
  const cfg = autoscaleConfigOf(stack.plan.profile);
  if (!cfg) throw new UsageError('the autoscaler is off in this profile', 'set autoscale.enabled: true (docs/autoscale.md)');
  const target = await selectTarget(stack.plan, ctx.log, o.target);
  // With the profile: the native reconcile it scales through rebuilds this very process's spec and must find it unchanged.
  const tctx: TargetContext = { ...targetContext(ctx, stack), yes: true };
  const redis = readEndpoints(endpointsFile(ctx.stateDir, stack.plan.target)).redis;
  if (!redis) throw new TargetError('the running stack names no Redis endpoint', 'restart it with `prodctl up`');
  const pwFile = secretFileOf(stack.plan, stack.plan.profile.redis.password_secret);
  const sampler = createQueueSampler({ ...redis, password: pwFile ? readSecret(pwFile, 'redis password', { optional: true }) : undefined, queueName: DEFAULT_QUEUE_NAME });
  let stop = false;
  let latest: AutoscaleRecord | null = null;
  const listener = o.listen ? await startAutoscaleListener(parseListen(o.listen), () => latest, cfg.max) : null;
  const onSignal = () => (stop = true);
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  try {
    const last = await runControllerLoop(
      cfg,
      {
        sample: () => sampler.sample(),
        readCurrent: () => countWorkers(target, tctx),
        apply: (desired) => scaleUnderLock(target, tctx, desired),
        record: (r) => recordDecision(ctx, (latest = r), cfg.max, !listener),
        now: Date.now,
        sleep: (ms) => sleep(ms),
        stopped: () => stop,
      },
      readAutoscaleState(ctx.stateDir),
      o.once,
    );
    if (ctx.json) printJson(last);
    else if (last) printLine(`workers ${last.current} → ${last.desired} (${last.reason}): ${last.why}`);
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    await sampler.close();
    await listener?.close();
  }
}

/** Workers that run or are starting: the count the target really has, not the profile's. */
async function countWorkers(target: Target, tctx: TargetContext): Promise<number> {
  const svc = (await target.status(tctx)).services.find((s) => s.name === 'worker');
  return svc ? svc.replicas.filter((r) => r.state === 'running' || r.state === 'starting' || r.state === 'unhealthy').length : 0;
}

/**
 * The engine targets take the deploy lock inside `scale`; the native target does not, so the
 * controller takes the state folder's lock around it. Either way a held lock means "not now".
 */
async function scaleUnderLock(target: Target, tctx: TargetContext, desired: number): Promise<boolean> {
  let release: (() => Promise<void>) | null = null;
  try {
    if (target.kind === 'native') release = await acquireLock(createFileLockStore(tctx.stateDir), describeSelf('autoscale'));
    const r = await target.scale(tctx, { worker: desired });
    return r.outcome !== 'failed' && r.outcome !== 'rolled-back';
  } catch (err) {
    if (err instanceof TargetError && /deploy lock/.test(err.message)) return false;
    throw err;
  } finally {
    await release?.();
  }
}

/** `textfile`: without an endpoint of its own, the metrics go through node-exporter's textfile collector. */
function recordDecision(ctx: CliContext, r: AutoscaleRecord, max: number, textfile: boolean): void {
  writeAutoscaleState(ctx.stateDir, r);
  // Served on its own endpoint, the same series in the textfile would be scraped twice.
  if (textfile) writeAutoscaleTextfile(ctx.stateDir, r, max);
  else removeAutoscaleTextfile(ctx.stateDir);
  if (r.desired !== r.current || !r.applied) {
    appendAudit(ctx.stateDir, { command: 'autoscale', args: [`workers=${r.desired}`], outcome: r.applied ? 'ok' : 'refused', durationMs: 0, detail: `${r.reason}: ${r.why}` });
  }
  ctx.log.info(`autoscale: workers ${r.current} → ${r.desired} (${r.reason}) ${r.why}`);
}
