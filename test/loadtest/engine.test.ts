// The built-in engine against a real local HTTP server: exact request accounting, one user per
// VU, job completion, closed and open models, dropped iterations, and the run's bounds.
import { afterEach, describe, expect, it } from 'vitest';
import { Aggregate, timelineSecond } from '../../loadtest/engine/aggregate.js';
import { HttpClient } from '../../loadtest/engine/http-client.js';
import { addEncoded, createHistogram } from '../../loadtest/engine/histogram.js';
import { buildVu, runIteration } from '../../loadtest/engine/iterations.js';
import { IntervalRecorder } from '../../loadtest/engine/recorder.js';
import type { WorkerTick } from '../../loadtest/engine/messages.js';
import { defaultThreads, runEngine } from '../../loadtest/engine/run-engine.js';
import { buildLoadPlan } from '../../loadtest/plan.js';
import { buildMultipartPdf, renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { startTestApi, type TestApi } from './support/pdf-api-server.js';
import { configWith, keysFor, runAgainst } from './support/run.js';

const DEFAULT_THRESHOLDS = {
  'http_req_duration{endpoint:upload}': ['p(95)<5000'],
  'http_req_duration{endpoint:status}': ['p(95)<1000'],
  http_req_failed: ['rate<0.02'],
  job_completion: ['rate>0.95'],
};

let api: TestApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('built-in engine', () => {
  it('closed model, mixed: every request counted, one user per VU, jobs completed, thresholds pass', async () => {
    api = await startTestApi({ jobMs: 200 });
    const r = await runAgainst(
      api.origin,
      // Latency limits far above the server's: this machine is shared, and the point is the accounting.
      configWith({ kind: 'mixed', executor: 'constant-vus', vus: 40, duration: '4s', upload_share: 0.2, think_time: '50ms', graceful_stop: '5s' }, { ...DEFAULT_THRESHOLDS, 'http_req_duration{endpoint:status}': ['p(95)<30000'], 'http_req_duration{endpoint:upload}': ['p(95)<30000'] }),
      2,
    );
    const reqs = r.metrics.http_reqs.values.count;
    expect(reqs).toBe(api.stats.requests);
    expect(reqs).toBeGreaterThan(100); // low bar: the machine is shared; exact accounting is the point
    expect(api.stats.byUser.size).toBe(40);
    expect([...api.stats.byUser.keys()].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `vu-key-${i + 1}`).sort());
    expect(r.endpoints.map((e) => e.endpoint)).toEqual(['job', 'status', 'upload']);
    expect(r.endpoints.find((e) => e.endpoint === 'upload')!.requests).toBe(api.stats.uploads);
    expect(r.endpoints.find((e) => e.endpoint === 'job')!.requests).toBe(api.stats.jobs);
    // Every upload carried exactly the multipart sample.
    const expected = buildMultipartPdf(Buffer.from(renderSamplePdf(3))).body.length;
    expect(new Set(api.stats.uploadBytes)).toEqual(new Set([expected]));
    expect(r.jobs.completed).toBe(api.stats.jobs);
    expect(r.jobs.rate).toBe(1);
    expect(r.jobs.p50!).toBeGreaterThanOrEqual(200);
    expect(r.thresholds.filter((t) => !t.ok)).toEqual([]);
    expect(r.errorsByStatus).toEqual({});
    expect(r.metrics.vus_max.values.value).toBe(40);
    expect(r.timeline.length).toBeGreaterThanOrEqual(4);
  });

  it('closed model without think time (back-to-back requests from the response callback): every request and iteration counted', async () => {
    api = await startTestApi();
    const r = await runAgainst(
      api.origin,
      configWith({ kind: 'mixed', executor: 'constant-vus', vus: 6, duration: '2s', upload_share: 0.1, think_time: '0s', graceful_stop: '5s' }, {}),
      2,
    );
    const by = (e: string) => r.endpoints.find((x) => x.endpoint === e)?.requests ?? 0;
    expect(r.metrics.http_reqs.values.count).toBe(api.stats.requests);
    expect(by('upload')).toBe(api.stats.uploads);
    expect(by('job')).toBe(api.stats.jobs);
    expect(by('upload')).toBeGreaterThan(6); // first iterations, then ~10 % of the rest
    // Jobs finish at once, so an upload flow polls exactly once: each iteration — a lone status
    // check or an upload flow — made exactly one status request.
    expect(r.jobs.completed).toBe(api.stats.jobs);
    expect(r.metrics.interrupted_iterations.values.count).toBe(0);
    expect(r.metrics.iterations.values.count).toBe(by('status'));
    expect(api.stats.byUser.size).toBe(6);
    expect(r.errorsByStatus).toEqual({});

    await api.close();
    api = await startTestApi();
    // Ramping stages: VUs wait outside the back-to-back loop until their stage starts them.
    const ramp = await runAgainst(api.origin, configWith({ kind: 'status', executor: 'ramping-vus', stages: [{ duration: '1s', target: 4 }, { duration: '1s', target: 4 }], think_time: '0s', graceful_stop: '2s' }, {}));
    expect(ramp.metrics.http_reqs.values.count).toBe(api.stats.requests);
    expect(api.stats.byUser.size).toBe(4);
    expect(ramp.metrics.iterations.values.count).toBe(ramp.endpoints.find((x) => x.endpoint === 'status')!.requests);
  });

  it('hands every worker tick to onTick: the ticks add up to the totals, one per second per thread', async () => {
    api = await startTestApi();
    const plan = buildLoadPlan(configWith({ kind: 'status', executor: 'constant-vus', vus: 4, duration: '3s', think_time: '0s', graceful_stop: '2s' }, {}));
    const ticks: WorkerTick[] = [];
    const run = await runEngine({ plan, origin: api.origin, keys: keysFor(4), pdf: Buffer.from(renderSamplePdf(1)), threads: 2, onTick: (t) => ticks.push(t) });
    const counted = ticks.flatMap((t) => t.series).reduce((a, s) => a + s.count, 0);
    expect(counted).toBe(run.aggregate.requests);
    expect(counted).toBe(api.stats.requests);
    const merged = createHistogram('fast');
    for (const t of ticks) for (const s of t.series) addEncoded(merged, s.hist);
    expect(merged.totalCount).toBe(api.stats.requests);
    merged.destroy();
    // Per thread: a tick on each whole second of the schedule (the one at 3 s may lose the race
    // with the end of the run, whose final tick then carries its requests), and one final tick.
    for (const index of [0, 1]) {
      const mine = ticks.filter((t) => t.index === index);
      expect(mine.filter((t) => t.final)).toHaveLength(1);
      expect(mine.filter((t) => !t.final).map(timelineSecond).slice(0, 2)).toEqual([1, 2]);
    }
  });

  it('names the failing thresholds: slow status checks, stuck jobs', async () => {
    api = await startTestApi({ statusDelayMs: 150, stuckJobs: true });
    const r = await runAgainst(
      api.origin,
      configWith(
        { kind: 'mixed', executor: 'constant-vus', vus: 10, duration: '3s', upload_share: 0.3, think_time: '20ms', graceful_stop: '3s', job_deadline: '1s' },
        { ...DEFAULT_THRESHOLDS, 'http_req_duration{endpoint:status}': ['p(95)<100'] },
      ),
    );
    const failed = r.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expr}`);
    expect(failed).toEqual(['http_req_duration{endpoint:status} p(95)<100', 'job_completion rate>0.95']);
    expect(r.thresholds.find((t) => t.metric === 'http_req_duration{endpoint:status}')!.observed!).toBeGreaterThanOrEqual(150);
    expect(r.jobs.completed).toBe(0);
    expect(r.jobs.notCompleted).toBeGreaterThan(0);
  });

  it('open model: every scheduled arrival runs, is dropped, or is interrupted', async () => {
    api = await startTestApi({ statusDelayMs: 100 });
    const r = await runAgainst(
      api.origin,
      configWith({ kind: 'status', executor: 'constant-arrival-rate', rate: 100, time_unit: '1s', duration: '3s', pre_allocated_vus: 2, max_vus: 4, graceful_stop: '2s' }, { dropped_iterations: ['count<10'] }),
      2,
    );
    const it = r.metrics.iterations.values.count;
    const dropped = r.metrics.dropped_iterations.values.count;
    const interrupted = r.metrics.interrupted_iterations.values.count;
    expect(it + dropped + interrupted).toBe(300);
    // 4 VUs at ≥100 ms per request cannot take 100/s: most arrivals are dropped, not queued.
    expect(dropped).toBeGreaterThan(150);
    expect(r.thresholds).toEqual([{ metric: 'dropped_iterations', expr: 'count<10', ok: false, observed: dropped, aggregation: 'count' }]);
    expect(r.metrics.vus_max.values.value).toBe(4);
  });

  it('open model measures from the scheduled start (no coordinated omission)', async () => {
    // An iteration due 400 ms ago (its VU was busy, or the generator was late) must report that
    // wait in its latency, not just the 100 ms the server took once the request was sent.
    api = await startTestApi({ statusDelayMs: 100 });
    const rec = new IntervalRecorder();
    const client = new HttpClient(api.origin, 1, 5000);
    const env = { client, rec, workload: buildLoadPlan(configWith({ kind: 'status', executor: 'constant-arrival-rate', rate: 1 }, {})).workload, upload: Buffer.alloc(0), isHardStopped: () => false, random: () => 1 };
    const upload = buildMultipartPdf(Buffer.from(renderSamplePdf(1)));
    const vu = buildVu(1, 'k', 'authorization', upload.contentType);
    await runIteration({ ...env, upload: upload.body }, vu); // first iteration: upload + job
    expect(vu.jobId).toBeDefined();
    rec.snapshot(0, false, 0, 1, 0);
    await runIteration(env, vu, performance.now() - 400);
    await runIteration(env, vu);
    await client.close();
    const tick = rec.snapshot(0, true, 0, 1, 0);
    expect(tick.series).toHaveLength(1);
    const h = createHistogram();
    addEncoded(h, tick.series[0].hist);
    expect(h.totalCount).toBe(2);
    // The server's 100 ms is a Node timer, which fires by the event loop's cached clock and so up
    // to a millisecond early by the client's (seen: 99.84 ms and 499.97 ms on a busy machine).
    expect(h.minNonZeroValue / 1000).toBeGreaterThanOrEqual(99);
    expect(h.minNonZeroValue / 1000).toBeLessThan(400);
    expect(h.maxValue / 1000).toBeGreaterThanOrEqual(499);
  });

  it('stops at max_requests and at the hard stop after gracefulStop', async () => {
    api = await startTestApi({ stuckJobs: true });
    const r = await runAgainst(
      api.origin,
      configWith({ kind: 'upload', executor: 'constant-vus', vus: 5, duration: '2s', think_time: '0s', graceful_stop: '1s', job_deadline: '1m' }, {}, { max_requests: 1000 }),
    );
    // Every iteration polls a stuck job until the hard stop: all are interrupted.
    expect(r.metrics.interrupted_iterations.values.count).toBe(5);
    expect(r.jobs.completed + r.jobs.notCompleted).toBe(0);
    // 2 s schedule + 1 s gracefulStop, then the hard stop (worker boot is not part of the run).
    expect(r.durationMs).toBeGreaterThanOrEqual(3000);
    expect(r.durationMs).toBeLessThan(3000 + 1500);

    await api.close();
    api = await startTestApi();
    const capped = await runAgainst(api.origin, configWith({ kind: 'status', executor: 'constant-vus', vus: 4, duration: '20s', think_time: '0s', graceful_stop: '1s' }, {}, { max_requests: 300 }));
    expect(capped.metrics.http_reqs.values.count).toBeGreaterThanOrEqual(300);
    // Overshoot is bounded by the iterations already in flight (≤ 3 requests each).
    expect(capped.metrics.http_reqs.values.count).toBeLessThanOrEqual(300 + 4 * 3);
    expect(capped.durationMs).toBeLessThan(10_000);
  });
});

describe('engine sizing and aggregation', () => {
  it('leaves a core to a target on this machine', () => {
    expect(defaultThreads('http://127.0.0.1:8080', 2)).toBe(1);
    expect(defaultThreads('http://localhost:8080', 8)).toBe(7);
    expect(defaultThreads('http://[::1]:8080', 1)).toBe(1);
    expect(defaultThreads('https://staging.example.com', 2)).toBe(2);
  });

  it('keeps per-second percentiles after closing the second, and every request in the totals', () => {
    const agg = new Aggregate();
    // A tick belongs to the second it was taken at by the worker's clock (rounded), whenever it arrives.
    const tickAt = (ms: number[], elapsedMs: number) => {
      const rec = new IntervalRecorder();
      for (const v of ms) rec.request('status', 'GET', 200, v * 1000, 10, 0);
      return rec.snapshot(0, false, 1, 1, elapsedMs);
    };
    agg.add(tickAt([1, 1, 1, 1], 1003)); // second 1
    agg.add(tickAt([10, 10], 1998)); // second 2, though taken a little early
    agg.add(tickAt([100], 5010)); // second 5: closes seconds 1 and 2
    agg.add(tickAt([100], 1020)); // late tick for closed second 1: totals only
    const tl = agg.timeline();
    expect(tl.map((p) => [p.t, p.requests])).toEqual([[1, 5], [2, 2], [5, 1]]);
    expect(tl[0].p50).toBeCloseTo(1, 2);
    expect(tl[1].p99).toBeCloseTo(10, 1);
    expect(tl[2].p50).toBeCloseTo(100, 0);
    expect(agg.requests).toBe(8);
    const all = agg.merged(() => true);
    expect(all.hist.totalCount).toBe(8);
    all.hist.destroy();
  });
});
