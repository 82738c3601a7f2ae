// A first attempt runs from the job's queued snapshot without claiming the row first: a short job's
// row is written once (queued → completed), an attempt that runs past JOB_ACTIVE_AFTER_MS is
// recorded as active while it runs, and a job queued without a snapshot (by an older API) or with
// JOB_ACTIVE_AFTER_MS=0 is claimed before it runs. Change notices on Redis count the row's writes.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_KEYS } from '../../contract/index.js';
import { readConfig } from '../../runtime/core/config.js';
import { buildJobOptions } from '../../runtime/core/queue.js';
import { insertJob } from '../../runtime/core/repo.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let key: string;
let sub: Redis;
let queue: Queue;
const notices = new Map<string, string[]>();
const procs: RuntimeProcess[] = [];

beforeAll(async () => {
  stack = await startRuntimeStack();
  api = await startProcess('api', stack.env);
  key = await mintKey(stack, 'unclaimed');
  sub = new Redis({ host: stack.redis.host, port: stack.redis.port });
  // Each notice with the row's state as Postgres has it when the notice arrives.
  sub.on('message', (_channel: string, id: string) => {
    const seen = notices.get(id) ?? [];
    notices.set(id, seen);
    const slot = seen.push('?') - 1;
    void stack.db.query('SELECT state FROM jobs WHERE id = $1', [id]).then((r) => (seen[slot] = r.rows[0]?.state ?? 'missing'));
  });
  await sub.subscribe(`${REDIS_KEYS.jobChangedChannelPrefix}${stack.env.QUEUE_NAME}`);
  queue = new Queue(stack.env.QUEUE_NAME, { connection: { host: stack.redis.host, port: stack.redis.port } });
});

afterAll(async () => {
  sub?.disconnect();
  await queue?.close();
  await Promise.all([api?.stop(), ...procs.map((p) => p.stop('SIGKILL'))]);
  await stack?.cleanup();
});

async function worker(extra: Record<string, string>): Promise<RuntimeProcess> {
  const w = await startProcess('worker', stack.env, extra);
  procs.push(w);
  return w;
}

async function row(id: string) {
  return (await stack.db.query('SELECT state, attempts, created_at, started_at, finished_at FROM jobs WHERE id = $1', [id])).rows[0];
}

/** The notices of a job once its last one has been looked up. */
async function noticesOf(id: string, count: number): Promise<string[]> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const seen = notices.get(id) ?? [];
    if (seen.length >= count && !seen.includes('?')) return seen;
    await new Promise((r) => setTimeout(r, 10));
  }
  return notices.get(id) ?? [];
}

describe('first attempts without a claim', () => {
  it('a short job: the row goes from queued to completed in one write, with attempts and timings', async () => {
    const w = await worker({ JOB_ACTIVE_AFTER_MS: '60000' });
    const file = (await uploadPdf(api.base, key, await makePdf(2))).body.id;
    const id = (await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'once' } })).body.id;
    expect((await waitForJob(api.base, key, id)).state).toBe('completed');
    expect(await noticesOf(id, 1)).toEqual(['completed']);
    const r = await row(id);
    expect(r.attempts).toBe(1);
    expect(r.started_at).not.toBeNull();
    // started_at is back-dated from the completion by the attempt's own clock.
    expect(r.started_at.getTime()).toBeGreaterThanOrEqual(r.created_at.getTime() - 50);
    expect(r.started_at.getTime()).toBeLessThanOrEqual(r.finished_at.getTime());
    await w.stop();
  });

  it('an attempt that runs past JOB_ACTIVE_AFTER_MS is recorded as active while it runs', async () => {
    const w = await worker({ JOB_ACTIVE_AFTER_MS: '1' });
    const big = await uploadPdf(api.base, key, await makePdf(600));
    expect(big.status).toBe(201);
    const id = (await submitJob(api.base, key, { op: 'watermark', inputs: [big.body.id], params: { text: 'slow' } })).body.id;
    expect((await waitForJob(api.base, key, id)).state).toBe('completed');
    expect(await noticesOf(id, 2)).toEqual(['active', 'completed']);
    expect((await row(id)).attempts).toBe(1);
    await w.stop();
  });
});

describe('claimed before they run', () => {
  it('a job queued without a snapshot, as an older API queued them', async () => {
    const w = await worker({});
    const file = (await uploadPdf(api.base, key, await makePdf(2))).body.id;
    const userId = (await stack.db.query('SELECT user_id FROM files WHERE id = $1', [file])).rows[0].user_id;
    const { job } = await insertJob(stack.db, { userId, op: 'rotate', inputs: [file], params: { degrees: 90 }, idempotencyKey: null });
    const cfg = readConfig(stack.env, 'worker');
    await queue.add('rotate', { jobId: job.id, op: 'rotate' }, buildJobOptions(cfg.worker, job.id));
    expect((await waitForJob(api.base, key, job.id)).state).toBe('completed');
    // Two writes: the claim and the result (a short job may be done before the first is looked up).
    expect(await noticesOf(job.id, 2)).toHaveLength(2);
    await w.stop();
  });

  it('JOB_ACTIVE_AFTER_MS=0 claims every attempt at its start', async () => {
    const w = await worker({ JOB_ACTIVE_AFTER_MS: '0' });
    const file = (await uploadPdf(api.base, key, await makePdf(2))).body.id;
    const id = (await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'claimed' } })).body.id;
    expect((await waitForJob(api.base, key, id)).state).toBe('completed');
    expect(await noticesOf(id, 2)).toHaveLength(2);
    await w.stop();
  });
});
