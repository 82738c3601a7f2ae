// `prodctl restore`: checksums first (refuse before touching anything), safety backup, maintenance
// flag (API answers writes 503 + Retry-After, workers pause), restore the parts, verify the live
// result against the manifest, then drop the flag. On failure after the flag is set, the flag
// stays: a half-restored service must not take writes.
import { REDIS_KEYS } from '../contract/index.js';
import { BackupError } from '../lib/errors.js';
import { checkChecksums, checkKey } from './check-checksums.js';
import { createBackup, type CreateBackupOptions } from './create-backup.js';
import { PART_NAMES, type Manifest, type PartName } from './manifest.js';
import { diffTableSums } from './parts/pg-checksums.js';
import { readTableSums, restorePostgres } from './parts/postgres.js';
import { blobAccessOf, restoreFiles } from './parts/files.js';
import { describeMissing, judgeBlobRefs, readBlobRefs, tombstoneOrphans } from './parts/blob-refs.js';
import { connectRedis, copyAllKeys, diffKeyCounts, readKeyCounts, type RedisConn } from './parts/redis.js';
import { createScratch } from './scratch.js';
import { partsOf, type BackupSources } from './sources.js';
import type { BackupStore } from './stores/types.js';
import type { StreamCodec } from './stream/pipeline.js';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { readObject } from './stream/pipeline.js';

export interface RestoreOptions {
  store: BackupStore;
  manifest: Manifest;
  key: Buffer | null;
  /** The live stack: the same shape a backup reads from. */
  live: BackupSources;
  parts: PartName[];
  /** Settings for the safety backup of the current state; null skips it (tests of refusal only). */
  safety: Omit<CreateBackupOptions, 'store' | 'sources'> | null;
  /** How long workers get to notice the flag and pause (they poll about every second). */
  drainMs?: number;
  onStep?: (msg: string) => void;
}

export interface RestoreResult {
  setId: string;
  parts: PartName[];
  safetySetId: string | null;
  redisKeys: number;
  files: { restored: number; present: number };
  /** Blobs on disk the restored database does not know (later uploads), now tombstoned for the sweeper. */
  orphansTombstoned: number;
  durationMs: number;
}

async function setMaintenance(conn: RedisConn | undefined, on: boolean): Promise<void> {
  if (!conn) return;
  const r = connectRedis(conn);
  try {
    await r.connect();
    if (on) await r.set(REDIS_KEYS.maintenance, 'restore');
    else await r.del(REDIS_KEYS.maintenance);
  } finally {
    r.disconnect();
  }
}

async function restoreRedis(o: RestoreOptions, codec: StreamCodec, conn: RedisConn): Promise<number> {
  const file = o.manifest.parts.redis!.files[0];
  const scratch = createScratch();
  try {
    const dir = path.join(scratch.root, 'redis');
    mkdirSync(dir, { recursive: true });
    const got = await readObject(o.store, file.key, codec, createWriteStream(path.join(dir, 'dump.rdb')));
    if (got.sha256 !== file.plainSha256) throw new BackupError(`part redis, file ${file.key}: plain sha256 mismatch`, 'the set is damaged');
    const src = await scratch.redis(dir, 'dump.rdb');
    return await copyAllKeys({ host: src.host, port: src.port }, conn, { keepMaintenance: true });
  } finally {
    await scratch.cleanup();
  }
}

/**
 * What a restore does around the parts themselves, decided from which parts the set has, which
 * are restored and which the live stack has. Pure; restoreSet carries it out.
 */
export interface RestorePlan {
  /** The database alone from a set with files: every blob the set references must already be on disk, checked before anything is touched. */
  blobsOnDiskFirst: boolean;
  /** After the database: every blob its files table references must be on disk (part of the live verification). */
  judgeBlobsAfter: boolean;
  /** After the database: blobs on disk it does not know get a tombstone for the sweeper. */
  tombstoneOrphans: boolean;
}

export function planRestore(o: { inSet: PartName[]; restore: PartName[]; live: PartName[] }): RestorePlan {
  const dbWithUploads = o.restore.includes('postgres') && o.live.includes('postgres') && o.live.includes('files');
  return {
    blobsOnDiskFirst: dbWithUploads && !o.restore.includes('files') && o.inSet.includes('files'),
    judgeBlobsAfter: dbWithUploads && o.inSet.includes('files'),
    tombstoneOrphans: dbWithUploads,
  };
}

/**
 * The live result must match the manifest (readKeyCounts leaves the maintenance flag out).
 * `blobs`, the uploads folder as listed after the restore, when the plan judges it.
 */
async function verifyLive(o: RestoreOptions, blobs: { where: string; onDisk: string[] } | null): Promise<string[]> {
  const m = o.manifest;
  const problems: string[] = [];
  if (o.parts.includes('postgres') && m.parts.postgres && o.live.postgres) {
    problems.push(...diffTableSums(m.parts.postgres.tables, await readTableSums(o.live.postgres.conn)).map((p) => `part postgres: ${p}`));
  }
  if (o.parts.includes('redis') && m.parts.redis && o.live.redis) {
    const keys = await readKeyCounts(o.live.redis.conn);
    problems.push(...diffKeyCounts(m.parts.redis.keys, keys).map((p) => `part redis: ${p}`));
  }
  if (blobs && o.live.postgres) {
    const judged = judgeBlobRefs(await readBlobRefs(o.live.postgres.conn), blobs.onDisk);
    if (judged.missing.length) problems.push(`part files: ${describeMissing(judged.missing, blobs.where)}`);
  }
  return problems;
}

export async function restoreSet(o: RestoreOptions): Promise<RestoreResult> {
  const started = Date.now();
  const m = o.manifest;
  const step = o.onStep ?? (() => {});
  for (const p of o.parts) {
    if (!m.parts[p]) throw new BackupError(`set ${m.id} has no ${p} part`, `leave ${p} out of --parts`);
    if (!o.live[p]) throw new BackupError(`no live ${p} to restore into`, 'check the stack endpoints');
  }
  step('checking checksums before touching anything');
  await checkChecksums(o.store, m, o.parts);
  checkKey(m, o.key);
  const plan = planRestore({ inSet: PART_NAMES.filter((p) => m.parts[p]), restore: o.parts, live: partsOf(o.live) });
  // The uploads folder (local, or a container's volume), resolved once for every step below.
  const uploads = o.live.files ? blobAccessOf(o.live.files) : undefined;
  if (plan.blobsOnDiskFirst && uploads) {
    // Restoring the database without the files is only safe when the sweeper has not removed
    // any blob the set's files table references since (the set's files part holds exactly those).
    const { missing } = judgeBlobRefs({ referenced: m.parts.files!.files.map((b) => b.address), tombstoned: [] }, await uploads.list());
    if (missing.length) throw new BackupError(`restoring only postgres from ${m.id} would leave files without their blobs: ${describeMissing(missing, uploads.where)}`, 'add files to --parts (e.g. --parts db,files)');
  }
  const codec: StreamCodec = { compression: m.compression, key: o.key };

  let safetySetId: string | null = null;
  if (o.safety) {
    step('taking a safety backup of the current state');
    safetySetId = (await createBackup({ ...o.safety, store: o.store, sources: o.live })).id;
  }

  step('maintenance on: writes answer 503, workers pause');
  await setMaintenance(o.live.redis?.conn, true);
  await new Promise((r) => setTimeout(r, o.drainMs ?? 2000));
  const hint = `the service stays in maintenance; fix the cause and restore again${safetySetId ? `, or restore the safety set ${safetySetId}` : ''}`;
  let redisKeys = 0;
  let files = { restored: 0, present: 0 };
  let orphansTombstoned = 0;
  try {
    if (o.parts.includes('postgres')) {
      step('restoring postgres');
      await restorePostgres({ conn: o.live.postgres!.conn, tools: o.live.postgres!.tools, store: o.store, file: m.parts.postgres!.files[0], codec });
    }
    if (o.parts.includes('files')) {
      step('restoring files');
      files = await restoreFiles({ part: m.parts.files!, access: uploads!, store: o.store, codec });
    }
    if (o.parts.includes('redis')) {
      step('restoring redis');
      redisKeys = await restoreRedis(o, codec, o.live.redis!.conn);
    }
    step('verifying the restored state');
    // One listing after the restore: the blobs verified are the ones orphans are judged against.
    const blobs = uploads && (plan.judgeBlobsAfter || plan.tombstoneOrphans) ? { where: uploads.where, onDisk: await uploads.list() } : null;
    const problems = await verifyLive(o, plan.judgeBlobsAfter ? blobs : null);
    if (problems.length) throw new BackupError(`restore of ${m.id} does not match its manifest: ${problems.join('; ')}`, hint);
    if (plan.tombstoneOrphans && blobs && o.live.postgres) {
      orphansTombstoned = await tombstoneOrphans(o.live.postgres.conn, blobs.onDisk);
      if (orphansTombstoned) step(`${orphansTombstoned} blob(s) the restored database does not know: tombstoned, the sweeper removes them after storage.blob_grace`);
    }
  } catch (err) {
    if (err instanceof BackupError && err.hint === hint) throw err;
    throw new BackupError(`restore of ${m.id} failed: ${(err as Error).message}`, hint);
  }
  step('maintenance off');
  await setMaintenance(o.live.redis?.conn, false);
  return { setId: m.id, parts: o.parts, safetySetId, redisKeys, files, orphansTombstoned, durationMs: Date.now() - started };
}
