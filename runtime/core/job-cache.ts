// Job status reads from a small in-process cache kept coherent with Postgres: workers publish a
// job id on Redis after every committed state change and each API replica drops that entry. A
// read that overlaps any change notice is not cached (it may predate the commit), the cache is
// bypassed while the subscription is down and cleared when it comes back, and no entry is older
// than ttlMs in any case (e.g. after a database restore, which sends no notices).
import type { Redis } from 'ioredis';
import type { JobRow } from './repo.js';

export interface JobCache {
  /** The row from the cache or from load(); null rows are not cached. */
  read(id: string, load: () => Promise<JobRow | null>): Promise<JobRow | null>;
  close(): void;
}

export interface JobCacheOptions {
  subscriber: Redis;
  channel: string;
  ttlMs?: number;
  max?: number;
  now?: () => number;
}

export async function createJobCache(o: JobCacheOptions): Promise<JobCache> {
  const ttlMs = o.ttlMs ?? 1_000;
  const max = o.max ?? 10_000;
  const now = o.now ?? Date.now;
  const entries = new Map<string, { row: JobRow; at: number }>();
  let notices = 0; // bumped on every change notice and every (re)subscription
  let live = false;

  o.subscriber.on('message', (_channel: string, id: string) => {
    notices++;
    entries.delete(id);
  });
  o.subscriber.on('ready', () => {
    // After a reconnect, notices sent meanwhile are lost: start empty once subscribed again.
    o.subscriber.subscribe(o.channel).then(
      () => {
        notices++;
        entries.clear();
        live = true;
      },
      () => {},
    );
  });
  for (const ev of ['close', 'end', 'reconnecting'] as const) {
    o.subscriber.on(ev, () => {
      live = false;
      entries.clear();
    });
  }
  await o.subscriber.subscribe(o.channel);
  live = o.subscriber.status === 'ready';

  return {
    async read(id, load) {
      const hit = live ? entries.get(id) : undefined;
      if (hit && now() - hit.at < ttlMs) return hit.row;
      const before = notices;
      const at = now();
      const row = await load();
      if (row && live && notices === before) {
        if (entries.size >= max) entries.delete(entries.keys().next().value as string);
        entries.set(id, { row, at });
      }
      return row;
    },
    close() {
      o.subscriber.disconnect();
    },
  };
}

/** Tells every API replica that a job changed (after the change is committed). Never throws. */
export async function publishJobChanged(redis: Pick<Redis, 'publish'>, channel: string, id: string): Promise<void> {
  await redis.publish(channel, id).catch(() => {});
}
