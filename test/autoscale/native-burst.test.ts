// The autoscaler as the native stack's own service under a burst: `prodctl up` starts it (nobody
// runs `prodctl autoscale run`), `status` shows it healthy, a deploy holding the lock makes it wait,
// 2,000 jobs through the API scale the workers min → more than min within 30 s, a kill -9 of the
// controller is restarted by the supervisor, the workers return to min after the window with at
// most one scale-down per window, and in Postgres every job completed exactly once.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueSampler, type QueueSampler } from '../../lib/queue-sampler.js';
import { acquireLock, createFileLockStore, describeSelf } from '../../state/lock.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { ROOT, waitUntil } from '../native/support.js';

const SECRETS = path.join(ROOT, 'examples/small/example-secrets');
const JOBS = 2000;
const WINDOW_S = 20;
let stack: NativeStack;
let sampler: QueueSampler;
let base = '';
let key = '';
let input = '';

beforeAll(async () => {
  stack = await startNativeStack('prodctl-burst-', {
    project: { name: 'pdf-autoscale-burst' },
    monitoring: { enabled: false },
    // Concurrency 1: one worker uses one of the machine's 2 cores, so more workers can add capacity here.
    workers: { replicas: 1, concurrency: 1 },
    api: { rate_limits: { requests_per_second: 100000, burst: 100000, uploads_per_minute: 1000 } },
    autoscale: { enabled: true, min: 1, max: 3, target_jobs_per_worker: 2, step_up: 2, scale_up_window: '0s', scale_down_window: `${WINDOW_S}s`, poll_interval: '1s' },
  });
  const e = stack.endpoints();
  base = `http://${e.edge.host}:${e.edge.port}`;
  sampler = createQueueSampler({ ...e.redis, password: readFileSync(path.join(SECRETS, 'redis_password'), 'utf8').trim(), queueName: 'pdf-jobs' });
  key = JSON.parse(String((await stack.cli(['keys', 'create', '--user', 'burst', '--json'])).stdout)).key;
  const up = await fetch(`${base}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/pdf' }, body: await makePdf(40, 'burst') });
  input = ((await up.json()) as { id: string }).id;
}, 240_000);

afterAll(async () => {
  await sampler?.close();
  await stack?.down();
});

async function runningWorkers(): Promise<number> {
  return (await (await stack.supervisor()).status()).filter((p) => p.service === 'worker' && p.state === 'running').length;
}

async function controller() {
  return (await (await stack.supervisor()).status()).find((p) => p.id === 'autoscaler');
}

function autoscaleAudit(): { at: string; outcome: string; detail: string }[] {
  const file = path.join(stack.stateDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.command === 'autoscale');
}

function autoscalerUrl(p: string): string {
  const port = JSON.parse(readFileSync(path.join(stack.stateDir, 'native', 'state.json'), 'utf8')).ports.autoscaler as number;
  return `http://127.0.0.1:${port}${p}`;
}

/** Submits the burst, 16 requests at a time; returns when every job is accepted. */
async function submitBurst(tag: string): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < JOBS) {
      const i = next++;
      const r = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': `${tag}-${i}` }, body: JSON.stringify({ op: 'watermark', inputs: [input], params: { text: tag } }) });
      if (r.status !== 202) throw new Error(`job ${i}: ${r.status} ${await r.text()}`);
    }
  }));
}

async function drained(): Promise<boolean> {
  const s = await sampler.sample();
  return s.waiting + s.active === 0;
}

async function jobCounts(tag: string): Promise<{ completed: number; other: number; rerun: number }> {
  const e = stack.endpoints();
  const c = new pg.Client({ ...e.postgres, user: 'pdfsvc', database: 'pdfsvc', password: readFileSync(path.join(SECRETS, 'postgres_password'), 'utf8').trim() });
  await c.connect();
  try {
    const r = await c.query(`SELECT count(*) FILTER (WHERE state = 'completed')::int AS completed, count(*) FILTER (WHERE state <> 'completed')::int AS other,
      count(*) FILTER (WHERE attempts > 1)::int AS rerun FROM jobs WHERE params->>'text' = $1`, [tag]);
    return r.rows[0];
  } finally {
    await c.end();
  }
}

describe('the autoscaler service under a 2,000-job burst (native)', () => {
  it('is started by `up` and shown healthy by `status`, with its own metrics', async () => {
    const svc = (JSON.parse(String((await stack.cli(['status', '--json'])).stdout)).services as { name: string; desired: number; replicas: { state: string; healthy: boolean | null }[] }[]).find((s) => s.name === 'autoscaler');
    expect(svc).toMatchObject({ desired: 1, replicas: [{ state: 'running', healthy: true }] });
    expect(String((await stack.cli(['status'])).stdout)).toMatch(/autoscaler/);
    expect((await fetch(autoscalerUrl('/healthz'))).status).toBe(200);
    await waitUntil(async () => /^prodctl_autoscaler_current_workers 1$/m.test(await (await fetch(autoscalerUrl('/metrics'))).text()), 15_000, 250);
    expect(await runningWorkers()).toBe(1);
  }, 60_000);

  it('waits for a deploy holding the lock, then scales up within 30 s, survives kill -9, returns to min; 0 lost, 0 twice', async () => {
    const t0 = Date.now();
    const release = await acquireLock(createFileLockStore(stack.stateDir), describeSelf('deploy'));
    let burst: Promise<void>;
    try {
      burst = submitBurst('scaled');
      await waitUntil(async () => autoscaleAudit().some((e) => e.outcome === 'refused' && /^deploy-running/.test(e.detail)), 20_000, 250);
      expect(await runningWorkers()).toBe(1);
    } finally {
      await release();
    }
    console.log(`the controller waited for the held lock; released after ${Date.now() - t0} ms`);
    await waitUntil(async () => (await runningWorkers()) > 1, 30_000 - (Date.now() - t0), 250);
    const upMs = Date.now() - t0;
    expect(upMs).toBeLessThanOrEqual(30_000);

    const before = (await controller())!;
    process.kill(before.pid!, 'SIGKILL');
    await waitUntil(async () => {
      const c = await controller();
      return c?.state === 'running' && c.pid !== before.pid && (await fetch(autoscalerUrl('/healthz')).then((r) => r.status, () => 0)) === 200;
    }, 30_000, 250);
    expect((await controller())!.restarts).toBeGreaterThan(before.restarts);
    console.log(`kill -9 of the controller: running again (pid ${before.pid} → ${(await controller())!.pid}) ${Date.now() - t0} ms after the burst started`);

    await burst!;
    await waitUntil(drained, 600_000, 250);
    const drainedMs = Date.now() - t0;
    await waitUntil(async () => (await runningWorkers()) === 1, (3 * WINDOW_S + 30) * 1000, 500);
    console.log(`burst of ${JOBS}: more than min after ${upMs} ms, drained after ${drainedMs} ms, back to min after ${Date.now() - t0} ms`);
    expect(await jobCounts('scaled')).toEqual({ completed: JOBS, other: 0, rerun: 0 });
    // The controller writes the audit entry once the target's scale has returned, just after the workers stopped.
    const scaleDowns = () => autoscaleAudit().filter((e) => e.outcome === 'ok' && /^scale-down/.test(e.detail)).map((e) => Date.parse(e.at));
    await waitUntil(async () => scaleDowns().length >= 1, 30_000, 250);
    const downs = scaleDowns();
    console.log(`scale-downs at ${downs.map((t) => t - t0).join(', ')} ms`);
    for (let i = 1; i < downs.length; i++) expect(downs[i] - downs[i - 1]).toBeGreaterThanOrEqual(WINDOW_S * 1000 - 1500);
  }, 900_000);
});
