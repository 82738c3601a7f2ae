// The worker autoscaler's decision: queue counts, the oldest job's age and the recent history of
// recommendations in, the worker count to run and why out. Pure, so the controller only samples
// the queue, calls this and applies the answer; every rule here is unit-tested with exact numbers.
// The shape follows the Kubernetes HPA: a raw recommendation per poll, stabilized over a short
// window going up (act fast, at most step_up at once) and a long one going down (the maximum of
// the window, so a dip between bursts does not remove workers that are needed again a minute later).

export interface AutoscaleSettings {
  min: number;
  max: number;
  targetJobsPerWorker: number;
  /** Past this age of the oldest waiting job, one more worker is wanted even if the count says no. */
  maxWaitMs: number;
  stepUp: number;
  /** 0–15 s: how long a higher recommendation must hold before workers are added. */
  scaleUpWindowMs: number;
  /** The recommendations of this window must all be lower before workers are removed. */
  scaleDownWindowMs: number;
}

export interface QueueSample {
  waiting: number;
  active: number;
  /** Reported, not counted: a delayed job cannot run before its time, so workers do not help it. */
  delayed: number;
  /** Age of the oldest waiting job, 0 with none waiting. */
  oldestWaitingAgeMs: number;
}

/** One past recommendation (already bounded by min/max). */
export interface Recommendation {
  at: number;
  desired: number;
}

export interface DecisionInput {
  now: number;
  queue: QueueSample;
  current: number;
  history: readonly Recommendation[];
  /** When the workers were last scaled down: at most one scale-down per scale_down_window. */
  lastScaleDownAt?: number;
  settings: AutoscaleSettings;
}

export type AutoscaleReason =
  | 'steady'
  | 'below-min'
  | 'above-max'
  | 'backlog'
  | 'oldest-wait'
  | 'at-max'
  | 'up-window'
  | 'down-window'
  | 'cooldown'
  | 'scale-down';

export interface Decision {
  /** The recommendation of this sample alone, bounded by min/max; append it to the history. */
  recommendation: number;
  desired: number;
  reason: AutoscaleReason;
  /** One line for the audit log and the status "why" column. */
  why: string;
}

/** The raw recommendation: (waiting + active) / target, one more when the oldest job waited too long. */
export function recommendWorkers(q: QueueSample, current: number, s: AutoscaleSettings): { want: number; aged: boolean } {
  const byCount = Math.ceil((q.waiting + q.active) / s.targetJobsPerWorker);
  const aged = q.waiting > 0 && q.oldestWaitingAgeMs > s.maxWaitMs && byCount <= current;
  return { want: aged ? current + 1 : byCount, aged };
}

const clamp = (n: number, s: AutoscaleSettings) => Math.min(s.max, Math.max(s.min, n));

function inWindow(history: readonly Recommendation[], now: number, windowMs: number, own: number): number[] {
  return [...history.filter((r) => r.at > now - windowMs && r.at <= now).map((r) => r.desired), own];
}

export function decideWorkers(input: DecisionInput): Decision {
  const { now, queue: q, current, settings: s } = input;
  const { want, aged } = recommendWorkers(q, current, s);
  const recommendation = clamp(want, s);
  const counts = `waiting ${q.waiting}, active ${q.active}, oldest ${Math.round(q.oldestWaitingAgeMs / 1000)}s`;
  const done = (desired: number, reason: AutoscaleReason, why: string): Decision => ({ recommendation, desired, reason, why: `${why} (${counts})` });

  if (current < s.min) return done(s.min, 'below-min', `${current} workers is below min ${s.min}`);
  if (current > s.max) return done(s.max, 'above-max', `${current} workers is above max ${s.max}`);
  if (recommendation > current) {
    // Scale-up window: the lowest recommendation of the window, so one noisy sample does not add workers.
    const up = Math.min(...inWindow(input.history, now, s.scaleUpWindowMs, recommendation));
    if (up <= current) return done(current, 'up-window', `wants ${recommendation}, holding ${current} until it lasts ${s.scaleUpWindowMs / 1000}s`);
    const desired = Math.min(up, current + s.stepUp);
    const cause = aged ? `oldest job waited over ${s.maxWaitMs / 1000}s` : `${q.waiting + q.active} jobs / ${s.targetJobsPerWorker} per worker`;
    return done(desired, aged ? 'oldest-wait' : 'backlog', `${cause}: ${current} → ${desired}${desired < up ? ` (step_up ${s.stepUp})` : ''}`);
  }
  if (want > s.max && current === s.max) return done(current, 'at-max', `wants ${want}, capped at max ${s.max}`);
  if (recommendation < current) {
    // Scale-down window: the highest recommendation of the window, and one scale-down per window.
    const down = Math.max(...inWindow(input.history, now, s.scaleDownWindowMs, recommendation));
    if (down >= current) return done(current, 'down-window', `wants ${recommendation}, holding ${current}: wanted ${down} within ${s.scaleDownWindowMs / 1000}s`);
    if (input.lastScaleDownAt !== undefined && now - input.lastScaleDownAt < s.scaleDownWindowMs) {
      return done(current, 'cooldown', `wants ${down}, holding ${current}: scaled down ${Math.round((now - input.lastScaleDownAt) / 1000)}s ago`);
    }
    return done(down, 'scale-down', `highest need over ${s.scaleDownWindowMs / 1000}s is ${down}: ${current} → ${down}`);
  }
  return done(current, 'steady', `${current} workers fit`);
}

/** Drop recommendations no window can see any more, so the history stays bounded. */
export function pruneHistory(history: readonly Recommendation[], now: number, s: AutoscaleSettings): Recommendation[] {
  const keep = Math.max(s.scaleUpWindowMs, s.scaleDownWindowMs);
  return history.filter((r) => r.at > now - keep);
}
