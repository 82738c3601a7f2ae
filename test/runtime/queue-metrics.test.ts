// The queue gauges read at scrape time from a real BullMQ queue: depth by state, and the age of
// the OLDEST waiting job (the QueueOldestJobTooOld alert reads it, so the newest would hide a stall).
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '../../contract/index.js';
import { createMetrics, watchQueue } from '../../runtime/core/metrics.js';
import { startTestRedis, uniqueName, type TestRedis } from '../support/services.js';

let redis: TestRedis;
let queue: Queue;

beforeAll(async () => {
  redis = await startTestRedis();
  queue = new Queue(uniqueName('metrics'), { connection: { host: redis.host, port: redis.port, password: redis.password } });
});

afterAll(async () => {
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await redis?.cleanup();
});

function readGauge(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  if (!line) throw new Error(`no sample ${name}${labels} in:\n${text}`);
  return Number(line.split(' ')[1]);
}

describe('queue gauges', () => {
  it('report the waiting depth and the age of the oldest waiting job, not the newest', async () => {
    const m = createMetrics('api', 'test');
    watchQueue(m, queue);
    const empty = await m.registry.metrics();
    expect(readGauge(empty, METRICS.queueOldestWaitingAge.name)).toBe(0);

    await queue.add('info', {}, { timestamp: Date.now() - 120_000 });
    await queue.add('info', {}, { timestamp: Date.now() - 60_000 });
    await queue.add('info', {});
    const text = await m.registry.metrics();
    expect(readGauge(text, METRICS.queueJobs.name, '{state="waiting"}')).toBe(3);
    const age = readGauge(text, METRICS.queueOldestWaitingAge.name);
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(150);
  });

  it('drop the depth samples when the queue cannot be read, instead of serving the last ones', async () => {
    const own = new Queue(uniqueName('metrics-gone'), { connection: { host: redis.host, port: redis.port, password: redis.password, maxRetriesPerRequest: 1 } });
    const m = createMetrics('worker', 'test');
    watchQueue(m, own);
    await own.add('info', {});
    expect(readGauge(await m.registry.metrics(), METRICS.queueJobs.name, '{state="waiting"}')).toBe(1);
    await own.obliterate({ force: true });
    await own.close(); // its connection is gone: every read now fails
    const text = await m.registry.metrics();
    expect(text).not.toMatch(new RegExp(`^${METRICS.queueJobs.name}\\{`, 'm'));
  });
});
