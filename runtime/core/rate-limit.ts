// Per-user token buckets in Redis. One Lua script refills and takes atomically (no race between
// replicas) and, in the same round trip, reports whether maintenance mode is on. The takes of one
// event-loop turn go to Redis together as one script call: under load a turn holds many requests,
// and per-call client and server overhead, not the bucket arithmetic, was the cost per request.
import type { Redis } from 'ioredis';
import { collectPerTurn } from './batch.js';

// KEYS[1] maintenance flag, KEYS[2..] buckets; ARGV per bucket: rate (tokens/s), burst, cost.
// Takes run in order, so two takes of one bucket in a batch see each other like two calls would.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local out = {}
for i = 2, #KEYS do
  local a = (i - 2) * 3
  local rate = tonumber(ARGV[a + 1]) / 1000
  local burst = tonumber(ARGV[a + 2])
  local cost = tonumber(ARGV[a + 3])
  local b = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
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
  redis.call('HSET', KEYS[i], 'tokens', tokens, 'ts', now)
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate) + 1000)
  out[#out + 1] = allowed
  out[#out + 1] = math.floor(tokens)
  out[#out + 1] = wait
  out[#out + 1] = math.ceil((burst - tokens) / rate)
end
out[#out + 1] = redis.call('EXISTS', KEYS[1])
return out
`;

/** Most takes per script call: bounds the time one call holds Redis (a few µs per take). */
export const MAX_BATCH = 128;

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

type RedisWithRl = Redis & { prodctlTakeMany(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export function createRateLimiter(redis: Redis, keyPrefix: string, maintenanceKey: string) {
  const r = redis as RedisWithRl;
  if (typeof r.prodctlTakeMany !== 'function') r.defineCommand('prodctlTakeMany', { lua: SCRIPT });
  const takeInTurn = collectPerTurn<{ key: string; bucket: Bucket; cost: number }, TakeResult>(async (takes) => {
    const keys: string[] = [maintenanceKey];
    const argv: number[] = [];
    for (const t of takes) {
      keys.push(t.key);
      argv.push(t.bucket.perSecond, t.bucket.burst, t.cost);
    }
    const out = await r.prodctlTakeMany(keys.length, ...keys, ...argv);
    const maintenance = out[out.length - 1] === 1;
    return takes.map((_, i) => ({ allowed: out[i * 4] === 1, remaining: out[i * 4 + 1], retryAfterMs: out[i * 4 + 2], resetMs: out[i * 4 + 3], maintenance }));
  }, MAX_BATCH);

  return function take(userId: string, bucket: Bucket, cost = 1): Promise<TakeResult> {
    return takeInTurn({ key: `${keyPrefix}${bucket.name}:${userId}`, bucket, cost });
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
