// Redis part. Backup: BGSAVE, wait for LASTSAVE to move, stream the RDB into the pipeline.
//
// Restore: Redis loads the AOF, not the RDB, when appendonly is on, so swapping dump.rdb under a
// running server is wrong, and stopping/starting it needs a handle on a process we may not own
// (native supervisor, Docker container). DEBUG RELOAD is off by default in Redis 7. So we restore
// over the protocol instead: load the RDB into a throwaway redis-server, then copy every key with
// DUMP/RESTORE into the live server. That works with or without AOF (RESTOREs are appended like
// any write, and we BGREWRITEAOF afterwards), needs no access to Redis's folder, and is the same
// path on native and Docker. The flush and the maintenance flag go in one MULTI, so the service
// never sees an empty Redis without the flag.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { REDIS_KEYS } from '../../contract/index.js';
import { BackupError } from '../../lib/errors.js';
import type { ManifestFile, RedisPart } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { writeObject, type StreamCodec } from '../stream/pipeline.js';

export interface RedisConn {
  host: string;
  port: number;
  password?: string;
}

export function connectRedis(c: RedisConn): Redis {
  const r = new Redis({ host: c.host, port: c.port, password: c.password, lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Without a listener ioredis prints every reconnect failure as an "Unhandled error event"; the
  // commands themselves reject with the error, which is what callers report.
  r.on('error', () => {});
  return r;
}

export interface DbKeys {
  keys: number;
  /** Keys with a TTL: they may expire between the snapshot and a restore, so checks allow for them. */
  expires: number;
}

/** Parses `INFO keyspace` into { db0: { keys, expires }, ... }. Pure. */
export function parseKeyspace(info: string): Record<string, DbKeys> {
  const out: Record<string, DbKeys> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^(db\d+):keys=(\d+),expires=(\d+)/.exec(line);
    if (m) out[m[1]] = { keys: Number(m[2]), expires: Number(m[3]) };
  }
  return out;
}

/**
 * Key counts never include the maintenance flag: a restore does not copy it back, and a live
 * server carries it while a restore runs. Pure.
 */
export function withoutMaintenanceKey(counts: Record<string, DbKeys>, flagPresent: boolean): Record<string, DbKeys> {
  if (!flagPresent || !counts.db0) return counts;
  return { ...counts, db0: { ...counts.db0, keys: counts.db0.keys - 1 } };
}

/** Differences between the key counts of the manifest and of a restored server. Pure. */
export function diffKeyCounts(expected: Record<string, DbKeys>, actual: Record<string, DbKeys>): string[] {
  const problems: string[] = [];
  for (const db of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const e = expected[db] ?? { keys: 0, expires: 0 };
    const a = actual[db] ?? { keys: 0, expires: 0 };
    const persistentE = e.keys - e.expires;
    const persistentA = a.keys - a.expires;
    if (persistentA !== persistentE) problems.push(`redis ${db}: ${persistentA} keys without TTL, expected ${persistentE}`);
    else if (a.keys > e.keys || a.keys < e.keys - e.expires) problems.push(`redis ${db}: ${a.keys} keys, expected ${e.keys} (of which ${e.expires} may expire)`);
  }
  return problems;
}

export function parseInfoField(info: string, field: string): string | undefined {
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim();
}

async function waitForSave(r: Redis, before: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = Number(await r.lastsave());
    const info = await r.info('persistence');
    if (last !== before && parseInfoField(info, 'rdb_bgsave_in_progress') === '0') {
      if (parseInfoField(info, 'rdb_last_bgsave_status') !== 'ok') throw new BackupError('part redis: BGSAVE failed', 'see the Redis log (disk full? permissions on its dir?)');
      return;
    }
    if (Date.now() > deadline) throw new BackupError(`part redis: BGSAVE did not finish within ${timeoutMs} ms`, 'see the Redis log');
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function startBgsave(r: Redis): Promise<Record<string, DbKeys>> {
  for (let attempt = 0; attempt < 600; attempt++) {
    // LASTSAVE has one-second resolution: a save in the same second as the previous one would not
    // move it, so wait for the next second first.
    const before = Number(await r.lastsave());
    while (Math.floor(Date.now() / 1000) <= before) await new Promise((res) => setTimeout(res, 50));
    // BGSAVE forks inside the command; INFO keyspace pipelined right behind it runs before Redis
    // serves any other client, so the counts describe the instant of the fork. (Inside MULTI,
    // Redis would only *schedule* the save, leaving a window.)
    const res = await r.pipeline().bgsave().info('keyspace').exists(REDIS_KEYS.maintenance).exec();
    const [saveRes, infoRes, maintRes] = res ?? [];
    if (saveRes?.[0]) {
      if (/already in progress/i.test(String(saveRes[0]))) {
        await new Promise((r2) => setTimeout(r2, 200));
        continue;
      }
      throw new BackupError(`part redis: BGSAVE refused: ${String(saveRes[0])}`, 'see the Redis log');
    }
    await waitForSave(r, before, 10 * 60_000);
    return withoutMaintenanceKey(parseKeyspace(String(infoRes?.[1] ?? '')), Number(maintRes?.[1]) === 1);
  }
  throw new BackupError('part redis: another save kept running', 'try again later');
}

export async function backupRedis(o: { conn: RedisConn; store: BackupStore; key: string; codec: StreamCodec; rdbPath?: string; openFile?: (path: string) => Promise<Readable> }): Promise<RedisPart> {
  const r = connectRedis(o.conn);
  try {
    await r.connect();
    const version = parseInfoField(await r.info('server'), 'redis_version') ?? 'unknown';
    let rdbPath = o.rdbPath;
    if (!rdbPath) {
      const dir = (await r.config('GET', 'dir')) as string[];
      const name = (await r.config('GET', 'dbfilename')) as string[];
      rdbPath = path.posix.join(dir[1], name[1]);
    }
    const keys = await startBgsave(r);
    // The file is opened right away: a later save renames a new file into place, our descriptor
    // (or the engine's archive stream) keeps reading the one that matches `keys`.
    const open = o.openFile ?? (async (p: string) => createReadStream(p, { highWaterMark: 1024 * 1024 }));
    const file = await writeObject(o.store, o.key, await open(rdbPath), o.codec);
    return { serverVersion: version, keys, files: [file] };
  } catch (err) {
    throw err instanceof BackupError ? err : new BackupError(`part redis: ${(err as Error).message}`, 'check that Redis is reachable with the profile password and its dir is readable');
  } finally {
    r.disconnect();
  }
}

export async function readKeyCounts(conn: RedisConn): Promise<Record<string, DbKeys>> {
  const r = connectRedis(conn);
  try {
    await r.connect();
    const res = (await r.pipeline().info('keyspace').exists(REDIS_KEYS.maintenance).exec()) ?? [];
    return withoutMaintenanceKey(parseKeyspace(String(res[0]?.[1] ?? '')), Number(res[1]?.[1]) === 1);
  } finally {
    r.disconnect();
  }
}

/** Copies every key of `from` into `to` (after an atomic flush that raises the maintenance flag). */
export async function copyAllKeys(from: RedisConn, to: RedisConn, o: { keepMaintenance: boolean; batch?: number }): Promise<number> {
  const src = connectRedis(from);
  const dst = connectRedis(to);
  let copied = 0;
  try {
    await Promise.all([src.connect(), dst.connect()]);
    const flush = dst.multi().flushall();
    if (o.keepMaintenance) flush.set(REDIS_KEYS.maintenance, 'restore');
    await flush.exec();
    const dbs = Object.keys(parseKeyspace(await src.info('keyspace'))).map((d) => Number(d.slice(2)));
    for (const db of dbs) {
      await src.select(db);
      await dst.select(db);
      let cursor = '0';
      do {
        const [next, keys] = await src.scan(cursor, 'COUNT', o.batch ?? 500);
        cursor = next;
        const read = src.pipeline();
        for (const k of keys) read.dumpBuffer(k).pttl(k);
        const vals = (await read.exec()) ?? [];
        const write = dst.pipeline();
        keys.forEach((k, i) => {
          const payload = vals[i * 2]?.[1] as Buffer | null;
          const ttl = Number(vals[i * 2 + 1]?.[1]);
          if (!payload || (db === 0 && k === REDIS_KEYS.maintenance)) return;
          write.restore(k, ttl > 0 ? ttl : 0, payload, 'REPLACE');
          copied++;
        });
        const results = (await write.exec()) ?? [];
        const failed = results.find(([e]) => e);
        if (failed) throw new BackupError(`part redis: RESTORE failed: ${failed[0]!.message}`, 'the live Redis must be the same major version as the backup');
      } while (cursor !== '0');
    }
    await dst.select(0);
    // With AOF on, compact the log of RESTOREs now rather than at the next automatic rewrite.
    const aof = parseInfoField(await dst.info('persistence'), 'aof_enabled');
    if (aof === '1') await dst.bgrewriteaof().catch(() => {});
    return copied;
  } finally {
    src.disconnect();
    dst.disconnect();
  }
}

export type { ManifestFile };
