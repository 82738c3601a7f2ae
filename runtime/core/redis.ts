// Adapter: Redis connections following BullMQ's production guide. Workers block on Redis and
// must retry forever (maxRetriesPerRequest: null); producers (the API) must fail fast instead of
// queueing commands while Redis is away (enableOfflineQueue: false), so requests get a quick 503.
import { Redis } from 'ioredis';
import type { RuntimeConfig } from './config.js';
import { DependencyError } from './errors.js';

export type RedisRole = 'producer' | 'worker';

export function createRedis(cfg: RuntimeConfig['redis'], role: RedisRole, name: string): Redis {
  const common = {
    host: cfg.host,
    port: cfg.port,
    password: cfg.password,
    connectionName: name,
    // Reconnect forever with a capped delay; Redis coming back must heal the process by itself.
    retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 6), 3_000),
  };
  if (role === 'worker') return new Redis({ ...common, maxRetriesPerRequest: null });
  return new Redis({ ...common, maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: cfg.commandTimeoutMs });
}

/** Waits for the first connection (producers reject commands until then). */
export async function waitReady(redis: Redis, timeoutMs = 15_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => {
      cleanup();
      reject(new DependencyError(`Redis did not become ready within ${timeoutMs} ms`, 'check REDIS_HOST/REDIS_PORT and that Redis is running'));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(t);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

/** BullMQ loses jobs when Redis evicts keys; refuse to run on anything but noeviction. */
export async function assertNoEviction(redis: Redis): Promise<void> {
  const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
  const policy = reply[1];
  if (policy !== 'noeviction') {
    throw new DependencyError(
      `Redis maxmemory-policy is '${policy}', but the queue needs 'noeviction': under memory pressure Redis would silently delete queued jobs`,
      "set 'maxmemory-policy noeviction' in redis.conf (profile: redis.maxmemory_policy: noeviction) and restart Redis",
    );
  }
}
