// Per-user token buckets in Redis. One Lua script refills and takes atomically (no race between
// replicas) and, in the same round trip, reports whether maintenance mode is on.
import type { Redis } from 'ioredis';

// KEYS[1] bucket, KEYS[2] maintenance flag; ARGV rate (tokens/s), burst, cost.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 1000
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'ts', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
local full = math.ceil((burst - tokens) / rate)
return {allowed, math.floor(tokens), wait, full, redis.call('EXISTS', KEYS[2])}
`;

export interface Bucket {
  name: 'request' | 'upload';
  perSecond: number;
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  remaining: number;
  retryAfterMs: number;
  /** ms until the bucket is full again (RateLimit-Reset). */
  resetMs: number;
  maintenance: boolean;
}

type RedisWithRl = Redis & { prodctlTake(bucket: string, flag: string, rate: number, burst: number, cost: number): Promise<number[]> };

export function createRateLimiter(redis: Redis, keyPrefix: string, maintenanceKey: string) {
  const r = redis as RedisWithRl;
  if (typeof r.prodctlTake !== 'function') r.defineCommand('prodctlTake', { numberOfKeys: 2, lua: SCRIPT });
  return async function take(userId: string, bucket: Bucket, cost = 1): Promise<TakeResult> {
    const [allowed, remaining, wait, full, maint] = await r.prodctlTake(`${keyPrefix}${bucket.name}:${userId}`, maintenanceKey, bucket.perSecond, bucket.burst, cost);
    return { allowed: allowed === 1, remaining, retryAfterMs: wait, resetMs: full, maintenance: maint === 1 };
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;

export function rateLimitHeaders(bucket: Bucket, r: TakeResult): Record<string, string> {
  const h: Record<string, string> = {
    'ratelimit-limit': String(bucket.burst),
    'ratelimit-remaining': String(Math.max(0, r.remaining)),
    'ratelimit-reset': String(Math.ceil(r.resetMs / 1000)),
    'ratelimit-policy': `${bucket.burst};w=${Math.max(1, Math.round(bucket.burst / bucket.perSecond))}`,
  };
  if (!r.allowed) h['retry-after'] = String(Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
  return h;
}
