// The autoscaler's decision with exact expectations: counts, ages and times in, workers and reason out.
import { describe, expect, it } from 'vitest';
import { decideWorkers, pruneHistory, type AutoscaleSettings, type DecisionInput, type Recommendation } from '../../plan/autoscale-decision.js';

const S: AutoscaleSettings = { min: 2, max: 6, targetJobsPerWorker: 8, maxWaitMs: 30_000, stepUp: 2, scaleUpWindowMs: 0, scaleDownWindowMs: 300_000 };
const T = 1_000_000;
const q = (waiting: number, active: number, oldestS = 0, delayed = 0) => ({ waiting, active, delayed, oldestWaitingAgeMs: oldestS * 1000 });
const h = (...pairs: [number, number][]): Recommendation[] => pairs.map(([ago, desired]) => ({ at: T - ago * 1000, desired }));

type Row = [name: string, input: Partial<DecisionInput> & Pick<DecisionInput, 'queue' | 'current'>, desired: number, reason: string, recommendation: number];

const rows: Row[] = [
  ['idle at min', { queue: q(0, 0), current: 2 }, 2, 'steady', 2],
  ['below min is raised at once', { queue: q(0, 0), current: 1 }, 2, 'below-min', 2],
  ['above max is cut at once', { queue: q(100, 8), current: 8 }, 6, 'above-max', 6],
  ['16 jobs fit 2 workers', { queue: q(8, 8), current: 2 }, 2, 'steady', 2],
  ['17 jobs want 3 workers', { queue: q(9, 8), current: 2 }, 3, 'backlog', 3],
  ['a burst is bounded by step_up', { queue: q(2000, 8), current: 2 }, 4, 'backlog', 6],
  ['next poll steps again, up to max', { queue: q(1990, 16), current: 4 }, 6, 'backlog', 6],
  ['at max with more wanted', { queue: q(1900, 24), current: 6 }, 6, 'at-max', 6],
  ['delayed jobs do not count', { queue: q(0, 8, 0, 500), current: 2 }, 2, 'steady', 2],
  ['an old job adds one worker', { queue: q(4, 8, 31), current: 2 }, 3, 'oldest-wait', 3],
  ['an old job at exactly max_wait adds nothing', { queue: q(4, 8, 30), current: 2 }, 2, 'steady', 2],
  ['an old job at max stays at max', { queue: q(4, 8, 90), current: 6 }, 6, 'at-max', 6],
  ['down is held while the window saw more', { queue: q(0, 4), current: 6, history: h([299, 6], [120, 4]) }, 6, 'down-window', 2],
  ['down goes to the window maximum', { queue: q(0, 4), current: 6, history: h([301, 6], [120, 4], [10, 2]) }, 4, 'scale-down', 2],
  ['one scale-down per window', { queue: q(0, 0), current: 4, history: h([400, 6]), lastScaleDownAt: T - 200_000 }, 4, 'cooldown', 2],
  ['a window after the last scale-down, back to min', { queue: q(0, 0), current: 4, history: h([400, 6]), lastScaleDownAt: T - 300_000 }, 2, 'scale-down', 2],
  ['up window holds a single high sample', { queue: q(40, 8), current: 2, history: h([5, 2]), settings: { ...S, scaleUpWindowMs: 15_000 } }, 2, 'up-window', 6],
  ['up window takes the lowest of the window', { queue: q(40, 8), current: 2, history: h([14, 4], [5, 5]), settings: { ...S, scaleUpWindowMs: 15_000 } }, 4, 'backlog', 6],
  ['samples older than the up window do not hold it', { queue: q(40, 8), current: 2, history: h([16, 2], [5, 5]), settings: { ...S, scaleUpWindowMs: 15_000 } }, 4, 'backlog', 6],
];

describe('decideWorkers', () => {
  it.each(rows)('%s', (_name, input, desired, reason, recommendation) => {
    const d = decideWorkers({ now: T, history: [], settings: S, ...input });
    expect({ desired: d.desired, reason: d.reason, recommendation: d.recommendation }).toEqual({ desired, reason, recommendation });
  });

  it('says why in one line with the counts', () => {
    expect(decideWorkers({ now: T, queue: q(2000, 8, 12), current: 2, history: [], settings: S }).why).toBe(
      '2008 jobs / 8 per worker: 2 → 4 (step_up 2) (waiting 2000, active 8, oldest 12s)',
    );
    expect(decideWorkers({ now: T, queue: q(0, 0), current: 4, history: h([400, 6]), lastScaleDownAt: T - 200_000, settings: S }).why).toBe(
      'wants 2, holding 4: scaled down 200s ago (waiting 0, active 0, oldest 0s)',
    );
  });

  it('runs a burst from min to max and back with one scale-down per window', () => {
    // 5 s polls: a 2,000-job burst drained at 2 jobs/s per worker, then idle for 12 minutes.
    let current = 2;
    let backlog = 2000;
    let history: Recommendation[] = [];
    let lastScaleDownAt: number | undefined;
    const trace: [number, number][] = [];
    for (let t = 0; t <= 1500_000; t += 5000) {
      const active = Math.min(backlog, current * 4);
      const d = decideWorkers({ now: t, queue: q(backlog - active, active), current, history, lastScaleDownAt, settings: S });
      history = pruneHistory([...history, { at: t, desired: d.recommendation }], t, S);
      if (d.desired < current) lastScaleDownAt = t;
      if (d.desired !== current) trace.push([t / 1000, d.desired]);
      current = d.desired;
      backlog = Math.max(0, backlog - current * 2 * 5);
    }
    expect(trace).toEqual([
      [0, 4],
      [5, 6],
      // The last poll wanting 6 was at 160 s; at 460 s the highest left in the window is the 5 of 165 s.
      [460, 5],
      // The rest waits a full window after that scale-down.
      [760, 2],
    ]);
    expect(history.length).toBeLessThanOrEqual(60);
  });
});

describe('pruneHistory', () => {
  it('keeps what the longer window can see', () => {
    expect(pruneHistory(h([301, 6], [300, 5], [10, 2]), T, S)).toEqual(h([10, 2]));
  });
});
