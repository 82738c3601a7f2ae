// The job status cache against a real Redis: hits skip Postgres, a worker's change notice drops
// the entry, a read that overlaps a notice is not cached, entries expire after the TTL, and the
// cache is emptied and bypassed while the subscription is down.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobCache, publishJobChanged, type JobCache } from '../../runtime/core/job-cache.js';
import type { JobRow } from '../../runtime/core/repo.js';
import { startTestRedis, uniqueName, type TestRedis } from '../support/services.js';

let redis: TestRedis;
let pub: Redis;
let sub: Redis;
let cache: JobCache;
let clock = 1_000_000;
const channel = uniqueName('job-changed');

beforeAll(async () => {
  redis = await startTestRedis();
  pub = new Redis({ host: redis.host, port: redis.port });
  sub = new Redis({ host: redis.host, port: redis.port });
  cache = await createJobCache({ subscriber: sub, channel, ttlMs: 1_000, now: () => clock });
});

afterAll(async () => {
  cache?.close();
  pub?.disconnect();
  await redis?.cleanup();
});

const row = (id: string, state: JobRow['state']) => ({ id, state }) as JobRow;

/** A loader that counts its calls and answers with the current "database" state. */
function db(initial: JobRow['state']) {
  const s = { state: initial, loads: 0 };
  return { s, load: (id: string) => async () => (s.loads++, row(id, s.state)) };
}

/** Publishes a change notice and returns once the cache's subscriber has handled it (no sleeps). */
async function notice(id: string): Promise<void> {
  const handled = new Promise<void>((resolve) => {
    // Registered after the cache's own listener, so this runs right after it, in the same tick.
    const onMessage = (_ch: string, got: string) => {
      if (got !== id) return;
      sub.off('message', onMessage);
      resolve();
    };
    sub.on('message', onMessage);
  });
  await publishJobChanged(pub, channel, id);
  await handled;
}

describe('job cache', () => {
  it('serves repeated reads from memory and reloads after a change notice', async () => {
    const { s, load } = db('queued');
    expect((await cache.read('a', load('a')))?.state).toBe('queued');
    expect((await cache.read('a', load('a')))?.state).toBe('queued');
    expect(s.loads).toBe(1);
    s.state = 'completed';
    await notice('a');
    expect((await cache.read('a', load('a')))?.state).toBe('completed');
    expect(s.loads).toBe(2);
  });

  it('does not cache a read that a change notice overlapped', async () => {
    const { s, load } = db('queued');
    const slow = async () => {
      const r = await load('b')();
      await notice('b'); // the worker committed and published while this read was in flight
      return r;
    };
    expect((await cache.read('b', slow))?.state).toBe('queued');
    s.state = 'active';
    expect((await cache.read('b', load('b')))?.state).toBe('active');
  });

  it('expires entries after the TTL even without a notice', async () => {
    const { s, load } = db('queued');
    await cache.read('c', load('c'));
    s.state = 'failed';
    clock += 999;
    expect((await cache.read('c', load('c')))?.state).toBe('queued');
    clock += 2;
    expect((await cache.read('c', load('c')))?.state).toBe('failed');
  });

  it('forgets everything when the subscription breaks (notices may be lost meanwhile)', async () => {
    const ownSub = new Redis({ host: redis.host, port: redis.port });
    const own = await createJobCache({ subscriber: ownSub, channel, now: () => clock });
    const { s, load } = db('queued');
    await own.read('d', load('d'));
    await own.read('d', load('d'));
    expect(s.loads).toBe(1);
    const dropped = new Promise((r) => ownSub.once('close', r));
    expect(await pub.client('KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0); // notices sent now would be lost
    await dropped;
    s.state = 'completed';
    expect((await own.read('d', load('d')))?.state).toBe('completed');
    own.close();
  });
});
