// The token-bucket limiter against a real Redis: takes of one event-loop turn go as one script
// call and behave exactly like takes made one by one (order within a bucket, separate users,
// maintenance flag), batches larger than MAX_BATCH split, and a dead connection fails every take.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimiter, MAX_BATCH, type Bucket } from '../../runtime/core/rate-limit.js';
import { startTestRedis, uniqueName, type TestRedis } from '../support/services.js';

let server: TestRedis;
let redis: Redis;
const bucket: Bucket = { name: 'request', perSecond: 1, burst: 3 };

beforeAll(async () => {
  server = await startTestRedis();
  redis = new Redis({ host: server.host, port: server.port, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
  await redis.connect();
});

afterAll(async () => {
  redis?.disconnect();
  await server?.cleanup();
});

function limiter() {
  const prefix = `${uniqueName('rl')}:`;
  return { prefix, maint: `${prefix}maintenance`, take: createRateLimiter(redis, prefix, `${prefix}maintenance`) };
}

describe('rate limiter', () => {
  it('takes of one turn from one user are served in order, like calls one by one; another user has its own bucket', async () => {
    const { take, prefix } = limiter();
    await take('warm-up', bucket); // loads the script, so the batch below is one EVALSHA
    let scriptCalls = 0;
    const monitor = await redis.monitor();
    monitor.on('monitor', (_t: string, args: string[]) => {
      if (/^evalsha$/i.test(args[0]) && args.some((a) => a.startsWith(prefix))) scriptCalls++;
    });
    const results = await Promise.all([take('alice', bucket), take('alice', bucket), take('alice', bucket), take('alice', bucket), take('bob', bucket)]);
    for (let i = 0; i < 50 && scriptCalls === 0; i++) await new Promise((r) => setTimeout(r, 20)); // MONITOR lines trail the replies
    monitor.disconnect();
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, true]);
    expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0, 2]);
    // The refused take waits for one token at 1/s; the others wait for nothing.
    expect(results[3].retryAfterMs).toBeGreaterThan(900);
    expect(results[3].retryAfterMs).toBeLessThanOrEqual(1000);
    expect(results.filter((r) => r.allowed).every((r) => r.retryAfterMs === 0)).toBe(true);
    expect(results.every((r) => r.maintenance === false)).toBe(true);
    expect(scriptCalls).toBe(1);
    // The next turn sees the bucket as the batch left it.
    expect((await take('alice', bucket)).allowed).toBe(false);
    expect((await take('bob', bucket)).remaining).toBe(1);
  });

  it('reports maintenance mode to every take of the batch', async () => {
    const { take, maint } = limiter();
    await redis.set(maint, '1');
    const rs = await Promise.all(['a', 'b', 'c'].map((u) => take(u, bucket)));
    expect(rs.map((r) => [r.allowed, r.maintenance])).toEqual([[true, true], [true, true], [true, true]]);
  });

  it(`splits a turn of more than ${MAX_BATCH} takes and answers each`, async () => {
    const { take } = limiter();
    const users = Array.from({ length: MAX_BATCH * 2 + 5 }, (_, i) => `u${i}`);
    const rs = await Promise.all(users.map((u) => take(u, { name: 'upload', perSecond: 10, burst: 1 })));
    expect(rs.every((r) => r.allowed && r.remaining === 0)).toBe(true);
    const again = await Promise.all(users.map((u) => take(u, { name: 'upload', perSecond: 10, burst: 1 })));
    expect(again.every((r) => !r.allowed && r.retryAfterMs > 0 && r.retryAfterMs <= 100)).toBe(true);
  });

  it('fails every take of the batch when Redis is unreachable (the API answers 503)', async () => {
    const dead = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const take = createRateLimiter(dead, 'rl-dead:', 'rl-dead:maintenance');
    const rs = await Promise.allSettled([take('a', bucket), take('b', bucket)]);
    expect(rs.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((rs[0] as PromiseRejectedResult).reason)).toMatch(/enableOfflineQueue|Connection is closed/);
    dead.disconnect();
  });
});
