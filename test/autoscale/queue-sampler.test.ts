// The autoscaler's queue sample from a real BullMQ queue on a real Redis: waiting, active and
// delayed counts, and the age of the OLDEST waiting job (the newest would hide a stalled backlog).
import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueSampler, type QueueSampler } from '../../lib/queue-sampler.js';
import { startTestRedis, uniqueName, type TestRedis } from '../support/services.js';

let redis: TestRedis;
let queue: Queue;
let sampler: QueueSampler;
const name = uniqueName('autoscale');

beforeAll(async () => {
  redis = await startTestRedis();
  const connection = { host: redis.host, port: redis.port, password: redis.password };
  queue = new Queue(name, { connection });
  sampler = createQueueSampler({ ...connection, queueName: name, now: () => 1_000_000_000_000 + 42_000 });
});

afterAll(async () => {
  await sampler?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await redis?.cleanup();
});

describe('createQueueSampler', () => {
  it('is all zero on an empty queue', async () => {
    expect(await sampler.sample()).toEqual({ waiting: 0, active: 0, delayed: 0, oldestWaitingAgeMs: 0 });
  });

  it('counts waiting, active and delayed jobs and ages the oldest waiting one', async () => {
    const t0 = 1_000_000_000_000;
    await queue.add('old', {}, { timestamp: t0 });
    for (let i = 1; i <= 5; i++) await queue.add('newer', {}, { timestamp: t0 + i * 1000 });
    await queue.add('later', {}, { delay: 60_000 });
    // One job taken by a real worker that holds it: the sample sees it active.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let started!: () => void;
    const isActive = new Promise<void>((r) => (started = r));
    const worker = new Worker(name, async () => { started(); await held; }, { connection: { host: redis.host, port: redis.port, password: redis.password }, concurrency: 1 });
    await isActive;
    // The worker took the oldest; the oldest still waiting was added 1 s after it.
    expect(await sampler.sample()).toEqual({ waiting: 5, active: 1, delayed: 1, oldestWaitingAgeMs: 41_000 });
    await worker.close(true);
    release();
  });
});
