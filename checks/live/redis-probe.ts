// Adapter: Redis questions over ioredis (CONFIG GET, CLIENT LIST for BullMQ workers).
import { Redis } from 'ioredis';
import type { Endpoint, QueueJobState } from './probes.js';

export interface RedisProbe {
  config(keys: string[]): Promise<Record<string, string>>;
  queueWorkers(queue: string, prefix?: string): Promise<number>;
  queueJobStates(queue: string, ids: string[], prefix?: string): Promise<Map<string, QueueJobState>>;
  close(): Promise<void>;
}

export function createRedisProbe(ep: Endpoint, password: string | undefined): RedisProbe {
  const client = new Redis({ host: ep.host, port: ep.port, password, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 3000, enableOfflineQueue: true, retryStrategy: () => null });
  client.on('error', () => {}); // failures surface as the rejected command of the check that asked
  return {
    async config(keys) {
      const out: Record<string, string> = {};
      for (const k of keys) {
        const pair = (await client.config('GET', k)) as string[];
        if (pair.length >= 2) out[pair[0]] = pair[1];
      }
      return out;
    },
    async queueWorkers(queue, prefix = 'bull') {
      // Same rule as BullMQ's Queue.getWorkers(): workers name their connections <prefix>:<base64(queue)>[:w:<name>].
      const base = `${prefix}:${Buffer.from(queue).toString('base64')}`;
      const list = String(await client.client('LIST'));
      return list.split('\n').map((l) => /(?:^| )name=(\S*)/.exec(l)?.[1] ?? '').filter((n) => n === base || n.startsWith(`${base}:w:`)).length;
    },
    async queueJobStates(queue, ids, prefix = 'bull') {
      // BullMQ's key layout: a hash per job, and sorted sets of the completed and failed ones.
      const k = `${prefix}:${queue}`;
      const p = client.pipeline();
      for (const id of ids) p.exists(`${k}:${id}`).zscore(`${k}:completed`, id).zscore(`${k}:failed`, id);
      const replies = (await p.exec()) ?? [];
      const out = new Map<string, QueueJobState>();
      ids.forEach((id, n) => {
        const [[e1, exists], [e2, done], [e3, failed]] = replies.slice(n * 3, n * 3 + 3);
        if (e1 || e2 || e3) throw e1 || e2 || e3;
        out.set(id, done !== null ? 'completed' : failed !== null ? 'failed' : exists ? 'carried' : 'missing');
      });
      return out;
    },
    async close() {
      client.disconnect();
    },
  };
}
