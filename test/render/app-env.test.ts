// The API and the workers share the env they both act on: workers sweep temp files that uploads
// may still be writing, so they must know the API's request timeout, not their own default.
import { describe, expect, it } from 'vitest';
import { planExample } from './load-example.js';

describe('app env', () => {
  it('gives the workers the API request timeout next to their job timeout', async () => {
    const plan = await planExample('medium');
    const api = plan.services.find((s) => s.name === 'api')!;
    const worker = plan.services.find((s) => s.name === 'worker')!;
    expect(api.env.REQUEST_TIMEOUT_MS).toBe('30000');
    expect(worker.env.REQUEST_TIMEOUT_MS).toBe(api.env.REQUEST_TIMEOUT_MS);
    expect(Number(worker.env.JOB_TIMEOUT_MS)).toBeGreaterThan(0);
  });

  it('gives the API, which queues the jobs, the same job options as the workers, from the profile', async () => {
    const plan = await planExample('medium');
    const p = plan.profile.workers;
    const api = plan.services.find((s) => s.name === 'api')!;
    const worker = plan.services.find((s) => s.name === 'worker')!;
    const keys = ['JOB_ATTEMPTS', 'JOB_BACKOFF_TYPE', 'JOB_BACKOFF_MS', 'JOB_BACKOFF_JITTER', 'REMOVE_ON_COMPLETE_AGE_S', 'REMOVE_ON_COMPLETE_COUNT', 'REMOVE_ON_FAIL_AGE_S', 'REMOVE_ON_FAIL_COUNT'];
    for (const k of keys) expect(api.env[k], k).toBe(worker.env[k]);
    expect(api.env.JOB_ATTEMPTS).toBe(String(p.attempts));
    expect(api.env.JOB_BACKOFF_TYPE).toBe(p.backoff.type);
    expect(api.env.REMOVE_ON_FAIL_COUNT).toBe(String(p.remove_on_fail.count));
  });
});

describe('stall detection', () => {
  it('gives the workers the profile stall timings (defaults: a killed worker\'s job returns within 30 s)', async () => {
    const worker = (await planExample('medium')).services.find((s) => s.name === 'worker')!;
    expect([worker.env.WORKER_LOCK_DURATION_MS, worker.env.WORKER_STALLED_INTERVAL_MS, worker.env.WORKER_MAX_STALLED_COUNT]).toEqual(['15000', '15000', '2']);
    const set = await planExample('medium', ['workers.stall_detection.lock_duration=8s', 'workers.stall_detection.check_interval=4s', 'workers.stall_detection.max_stalled=1']);
    const w = set.services.find((s) => s.name === 'worker')!;
    expect([w.env.WORKER_LOCK_DURATION_MS, w.env.WORKER_STALLED_INTERVAL_MS, w.env.WORKER_MAX_STALLED_COUNT]).toEqual(['8000', '4000', '1']);
  });
});

describe('output verification', () => {
  it('leaves the worker on full verification unless the profile says structure or off', async () => {
    const worker = (await planExample('medium')).services.find((s) => s.name === 'worker')!;
    expect(worker.env.VERIFY_OUTPUT).toBeUndefined(); // the runtime's default: full
    const set = (await planExample('medium', ['workers.verify_output=structure'])).services.find((s) => s.name === 'worker')!;
    expect(set.env.VERIFY_OUTPUT).toBe('structure');
    const err = await planExample('medium', ['workers.verify_output=some']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(JSON.stringify({ ...(err as object), message: (err as Error).message })).toMatch(/workers\.verify_output/);
  });
});
