// The worker autoscaler's loop: sample the queue, decide, apply through the target, record.
// Effects come in as functions so the loop is the same for every target; a refused apply (a
// deploy holds the lock) leaves the workers as they are and the next poll decides again.
import { decideWorkers, pruneHistory, type Decision, type Recommendation } from '../plan/autoscale-decision.js';
import type { AutoscaleConfig } from '../plan/autoscale-settings.js';
import type { QueueCounts } from '../lib/queue-sampler.js';
import type { AutoscaleRecord } from '../state/autoscale-state.js';

export interface ControllerEffects {
  sample(): Promise<QueueCounts>;
  readCurrent(): Promise<number>;
  /** Scale the workers; false when a deploy holds the lock (the deploy wins). */
  apply(desired: number, d: Decision): Promise<boolean>;
  record(r: AutoscaleRecord): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  stopped(): boolean;
}

export async function runControllerLoop(cfg: AutoscaleConfig, fx: ControllerEffects, resume: AutoscaleRecord | null, once = false): Promise<AutoscaleRecord | null> {
  // A fresh controller counts the workers it found as wanted now, so starting it (or restarting
  // it without its state) does not remove workers before a whole scale-down window has passed.
  let history: Recommendation[] | null = resume?.history ?? null;
  let lastScaleDownAt = resume?.lastScaleDownAt;
  let last = null as AutoscaleRecord | null;
  while (!fx.stopped()) {
    const now = fx.now();
    const read = await Promise.all([fx.sample(), fx.readCurrent()]).catch((err: Error) => err);
    if (read instanceof Error) {
      // Redis or the target away: hold the workers as they are, say so, poll again.
      last = { at: new Date(now).toISOString(), current: last?.current ?? 0, desired: last?.desired ?? 0, reason: 'unreadable', why: read.message, applied: false, history: history ?? [], lastScaleDownAt };
      fx.record(last);
      if (once) break;
      await fx.sleep(cfg.pollIntervalMs);
      continue;
    }
    const [queue, current] = read;
    history ??= [{ at: now - 1, desired: current }]; // inside the down window, outside a 0 s up window
    const d = decideWorkers({ now, queue, current, history, lastScaleDownAt, settings: cfg });
    history = pruneHistory([...history, { at: now, desired: d.recommendation }], now, cfg);
    let applied = d.desired === current;
    if (!applied) {
      applied = await fx.apply(d.desired, d);
      if (applied && d.desired < current) lastScaleDownAt = now;
    }
    last = { at: new Date(now).toISOString(), current, desired: d.desired, reason: applied ? d.reason : 'deploy-running', why: applied ? d.why : `a deploy holds the lock; wants ${d.desired}: ${d.why}`, applied, history, lastScaleDownAt };
    fx.record(last);
    if (once) break;
    await fx.sleep(cfg.pollIntervalMs);
  }
  return last;
}
