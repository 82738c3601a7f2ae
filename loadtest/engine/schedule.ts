// Executor timelines as pure functions of time: how many VUs ramping-vus wants at t, and when
// each arrival-rate iteration is due. Workers call these; tests check them with exact numbers.
import { parseDuration } from '../../profile/units.js';
import type { K6Scenario } from '../plan.js';

export interface Stage {
  durationMs: number;
  target: number;
}

export function toStages(sc: K6Scenario): Stage[] {
  if (sc.stages) return sc.stages.map((s) => ({ durationMs: parseDuration(s.duration), target: s.target }));
  const durationMs = parseDuration(sc.duration ?? '0s');
  return [{ durationMs, target: sc.rate ?? sc.vus ?? 0 }];
}

/** Linear interpolation through the stages, as k6's ramping executors do. */
export function rampingValueAt(start: number, stages: Stage[], tMs: number): number {
  let from = start;
  let t = tMs;
  for (const s of stages) {
    if (t < s.durationMs) return from + ((s.target - from) * t) / s.durationMs;
    t -= s.durationMs;
    from = s.target;
  }
  return from;
}

/** ramping-vus: k6 rounds the interpolated VU count down (a VU starts once the ramp reaches it). */
export function vusAt(start: number, stages: Stage[], tMs: number): number {
  return Math.floor(rampingValueAt(start, stages, tMs) + 1e-9);
}

/** Share of `total` for worker `index` of `count`: whole VUs, spread evenly, lower indexes first. */
export function shareOf(total: number, index: number, count: number): number {
  return Math.floor(total / count) + (index < total % count ? 1 : 0);
}

/**
 * Offsets (ms from the start) at which arrival-rate iterations are due. The rate is per
 * `timeUnitMs` and moves linearly within each stage; iteration i is due when the integral of
 * the rate reaches i. Constant arrival rate is one stage from `rate` to `rate`.
 */
export function* arrivalOffsets(startRate: number, stages: Stage[], timeUnitMs: number): Generator<number> {
  let stageStart = 0;
  let done = 0; // iterations due before the current stage
  let r0 = startRate / timeUnitMs; // per ms
  let i = 0;
  for (const s of stages) {
    const r1 = s.target / timeUnitMs;
    const d = s.durationMs;
    const inStage = ((r0 + r1) / 2) * d; // iterations this stage contributes
    while (i < done + inStage - 1e-9) {
      const need = i - done;
      // Solve r0·τ + (r1−r0)·τ²/(2d) = need for τ in [0, d].
      const a = (r1 - r0) / (2 * d);
      const tau = Math.abs(a) < 1e-15 ? need / r0 : (-r0 + Math.sqrt(r0 * r0 + 4 * a * need)) / (2 * a);
      yield stageStart + tau;
      i++;
    }
    done += inStage;
    stageStart += d;
    r0 = r1;
  }
}

export function arrivalScheduleOf(sc: K6Scenario): { startRate: number; stages: Stage[]; timeUnitMs: number } {
  const timeUnitMs = parseDuration(sc.timeUnit ?? '1s');
  if (sc.executor === 'constant-arrival-rate') {
    const durationMs = parseDuration(sc.duration ?? '0s');
    return { startRate: sc.rate ?? 0, stages: [{ durationMs, target: sc.rate ?? 0 }], timeUnitMs };
  }
  return { startRate: sc.startRate ?? 0, stages: toStages(sc), timeUnitMs };
}
