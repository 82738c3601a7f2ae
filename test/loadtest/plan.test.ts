import { describe, expect, it } from 'vitest';
import { arrivalOffsets, rampingValueAt, shareOf, vusAt } from '../../loadtest/engine/schedule.js';
import { parseKeysFile, loadtestUserName } from '../../loadtest/keys.js';
import { buildLoadPlan, checkPlanBounds, formatK6Duration, shapeStages, type LoadtestConfig } from '../../loadtest/plan.js';
import { checkTargetAllowed, isLoopbackHost } from '../../loadtest/safety.js';
import { loadPreset } from '../../profile/presets.js';
import { profileSchema } from '../../profile/schema.js';

const smallLoadtest = () => (loadPreset('small') as unknown as { loadtest: LoadtestConfig }).loadtest;

describe('load plan', () => {
  it('turns the small preset into k6 options with the success metrics as thresholds', () => {
    const plan = buildLoadPlan(smallLoadtest());
    expect(plan.scenarioName).toBe('mixed');
    expect(plan.options).toEqual({
      scenarios: { mixed: { executor: 'constant-vus', exec: 'mixed', vus: 1000, duration: '60s', gracefulStop: '30s' } },
      thresholds: {
        'http_req_duration{endpoint:upload}': ['p(95)<5000'],
        'http_req_duration{endpoint:status}': ['p(95)<1000'],
        http_req_failed: ['rate<0.02'],
        job_completion: ['rate>0.95'],
      },
      summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
    });
    expect(plan.workload).toEqual({ kind: 'mixed', uploadShare: 0.05, thinkTimeMs: 1000, jobOp: 'info', pollIntervalMs: 500, jobDeadlineMs: 30000, samplePages: 3 });
    expect(plan.usersNeeded).toBe(1000);
    expect(checkPlanBounds(plan)).toBeUndefined();
  });

  it('applies CLI overrides and the hard bounds', () => {
    const plan = buildLoadPlan(smallLoadtest(), { vus: 50, duration: '10s', maxRequests: 100 });
    expect(plan.options.scenarios.mixed).toMatchObject({ vus: 50, duration: '10s' });
    expect(plan.maxRequests).toBe(100);
    const long = buildLoadPlan({ ...smallLoadtest(), max_duration: '1m' });
    expect(checkPlanBounds(long)).toBe('scenario mixed runs 90s (with gracefulStop) but loadtest.max_duration is 60s');
  });

  it('derives spike / soak / stress stages', () => {
    expect(shapeStages('stress', 100, 100_000)).toEqual([
      { duration: '20s', target: 50 },
      { duration: '20s', target: 100 },
      { duration: '20s', target: 150 },
      { duration: '20s', target: 200 },
      { duration: '20s', target: 0 },
    ]);
    expect(shapeStages('spike', 1000, 60_000).map((s) => s.target)).toEqual([100, 1000, 1000, 100, 100]);
    const spike = buildLoadPlan(smallLoadtest(), { scenario: 'spike' });
    expect(spike.options.scenarios.spike).toMatchObject({ executor: 'ramping-vus', exec: 'mixed', startVUs: 0 });
    expect(spike.usersNeeded).toBe(1000);
    expect(buildLoadPlan(smallLoadtest(), { scenario: 'stress' }).usersNeeded).toBe(2000);
    expect(() => buildLoadPlan(smallLoadtest(), { scenario: 'nope' })).toThrow(/no loadtest scenario named "nope"/);
  });

  it('builds open-model scenarios with k6 field names', () => {
    const lt: LoadtestConfig = {
      ...smallLoadtest(),
      scenarios: { open: { kind: 'status', executor: 'ramping-arrival-rate', time_unit: '1s', pre_allocated_vus: 20, max_vus: 50, stages: [{ duration: '30s', target: 100 }] } },
    };
    expect(buildLoadPlan(lt).options.scenarios.open).toEqual({
      executor: 'ramping-arrival-rate',
      exec: 'status',
      startRate: 0,
      timeUnit: '1s',
      stages: [{ duration: '30s', target: 100 }],
      preAllocatedVUs: 20,
      maxVUs: 50,
      gracefulStop: '30s',
    });
    expect(buildLoadPlan(lt).workload.thinkTimeMs).toBe(0);
  });

  it('accepts the new optional scenario fields in the profile schema', () => {
    const p = loadPreset('small') as Record<string, unknown> & { loadtest: LoadtestConfig };
    p.project = { name: 'pdf-svc', domains: [], environment: 'prod' };
    p.loadtest.scenarios.s = { kind: 'mixed', executor: 'ramping-vus', shape: 'soak', think_time: '2s', job_op: 'watermark', graceful_stop: '10s', vus: 10, duration: '5m' };
    const r = profileSchema.safeParse(p);
    expect(r.success ? [] : r.error.issues.filter((i) => i.path[0] === 'loadtest')).toEqual([]);
  });

  it('formats durations the way k6 reads them', () => {
    expect([formatK6Duration(60_000), formatK6Duration(1500), formatK6Duration(86_400_000)]).toEqual(['60s', '1500ms', '86400s']);
  });
});

describe('executor schedules', () => {
  it('interpolates ramping VUs linearly and rounds down', () => {
    const stages = [
      { durationMs: 10_000, target: 100 },
      { durationMs: 10_000, target: 100 },
      { durationMs: 10_000, target: 0 },
    ];
    expect([0, 5000, 9999, 10_000, 15_000, 25_000, 30_000, 40_000].map((t) => vusAt(0, stages, t))).toEqual([0, 50, 99, 100, 100, 50, 0, 0]);
    expect(rampingValueAt(10, [{ durationMs: 1000, target: 20 }], 500)).toBe(15);
  });

  it('spreads VUs over threads without losing any', () => {
    expect([0, 1].map((i) => shareOf(1001, i, 2))).toEqual([501, 500]);
    expect([0, 1, 2].map((i) => shareOf(2, i, 3))).toEqual([1, 1, 0]);
  });

  it('schedules constant arrivals at exact intervals', () => {
    expect([...arrivalOffsets(10, [{ durationMs: 1000, target: 10 }], 1000)]).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
  });

  it('schedules a linear ramp by the integral of the rate', () => {
    // 0 → 20/s over 1 s: 10 iterations, iteration i due at sqrt(i/10) s.
    const got = [...arrivalOffsets(0, [{ durationMs: 1000, target: 20 }], 1000)];
    expect(got.length).toBe(10);
    got.forEach((t, i) => expect(t).toBeCloseTo(1000 * Math.sqrt(i / 10), 6));
    // Ramp down 20 → 0 over 1 s, then hold 10/s for 0.5 s.
    const down = [...arrivalOffsets(20, [{ durationMs: 1000, target: 0 }, { durationMs: 500, target: 0 }], 1000)];
    expect(down.length).toBe(10);
    expect(down[0]).toBe(0);
    expect(down[9]).toBeCloseTo(1000 * (1 - Math.sqrt(0.1)), 6);
  });
});

describe('safety and keys', () => {
  it('allows loopback and listed hosts only', () => {
    expect(['127.0.0.1', '127.8.9.1', 'localhost', '::1', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true, true]);
    expect(['10.0.0.1', '0.0.0.0', 'example.com'].map(isLoopbackHost)).toEqual([false, false, false]);
    expect(checkTargetAllowed('http://127.0.0.1:8080', [])).toBeUndefined();
    expect(checkTargetAllowed('https://staging.example.com', ['staging.example.com'])).toBeUndefined();
    expect(checkTargetAllowed('https://prod.example.com', ['staging.example.com'])).toBe('prod.example.com is neither loopback nor listed in loadtest.allowed_hosts');
    expect(checkTargetAllowed('ftp://127.0.0.1', [])).toBe('unsupported scheme ftp: (http or https)');
  });

  it('reads keys files as JSON or lines', () => {
    expect(parseKeysFile('["a","b"]')).toEqual(['a', 'b']);
    expect(parseKeysFile('# keys\na\n\n b \n')).toEqual(['a', 'b']);
    expect(() => parseKeysFile('[1,2]')).toThrow();
    expect(loadtestUserName(7)).toBe('loadtest-vu-0007');
  });
});
