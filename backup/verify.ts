// `backup verify`: checksums, then a real restore into scratch Postgres and Redis, then compare
// row counts, table checksums and key counts with the manifest, and decrypt every blob back to
// its address. The result is recorded next to the set (verify.json).
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { BackupError } from '../lib/errors.js';
import type { VerifyRecord } from './catalog.js';
import { checkChecksums, checkKey } from './check-checksums.js';
import { setKey, VERIFY_NAME, type Manifest } from './manifest.js';
import type { PgConn, PgTools } from './parts/pg-tools.js';
import { createDatabase, readTableSums, restorePostgres } from './parts/postgres.js';
import { diffKeyCounts, readKeyCounts } from './parts/redis.js';
import { diffTableSums } from './parts/pg-checksums.js';
import { describeMissing, judgeBlobRefs, readBlobRefs } from './parts/blob-refs.js';
import { createScratch } from './scratch.js';
import { checkWalChain } from './wal/check-wal-chain.js';
import type { BackupStore } from './stores/types.js';
import { readObject, type StreamCodec } from './stream/pipeline.js';

export interface VerifyOptions {
  store: BackupStore;
  manifest: Manifest;
  key: Buffer | null;
  pgTools: PgTools;
  /** Where scratch instances live (default: the OS temp folder). */
  scratchParent?: string;
  onStep?: (msg: string) => void;
  now?: () => Date;
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

/**
 * Consistency with lazy blob deletion: every blob the restored files table references is in the
 * set; tombstoned ones (deleted files still inside their grace) are counted, not required.
 */
async function checkBlobRefs(conn: PgConn, m: Manifest, checked: VerifyRecord['checked']): Promise<string[]> {
  const refs = await readBlobRefs(conn);
  const judged = judgeBlobRefs(refs, (m.parts.files?.files ?? []).map((b) => b.address));
  checked.referencedBlobs = refs.referenced.length;
  checked.tombstonedBlobs = refs.tombstoned.length;
  checked.tombstonedIncluded = judged.tombstonedIncluded;
  return judged.missing.length ? [`part files: ${describeMissing(judged.missing, 'the set')}`] : [];
}

/** Scratch restore + comparisons; returns the problems found (empty = identical). */
async function restoreIntoScratch(o: VerifyOptions, codec: StreamCodec, checked: VerifyRecord['checked']): Promise<string[]> {
  const m = o.manifest;
  const problems: string[] = [];
  const scratch = createScratch(o.scratchParent);
  try {
    if (m.parts.postgres) {
      o.onStep?.('restoring postgres into a scratch instance');
      const pg = await scratch.postgres();
      const conn: PgConn = { host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: 'verify' };
      await createDatabase(conn, 'verify');
      await restorePostgres({ conn, tools: o.pgTools, store: o.store, file: m.parts.postgres.files[0], codec });
      const sums = await readTableSums(conn);
      checked.tables = Object.keys(sums).length;
      problems.push(...diffTableSums(m.parts.postgres.tables, sums).map((p) => `part postgres: ${p}`));
      if (m.parts.files) problems.push(...(await checkBlobRefs(conn, m, checked)));
    }
    if (m.parts.redis) {
      o.onStep?.('loading the redis snapshot into a scratch instance');
      const dir = path.join(scratch.root, 'redis');
      mkdirSync(dir, { recursive: true });
      const file = m.parts.redis.files[0];
      const got = await readObject(o.store, file.key, codec, createWriteStream(path.join(dir, 'dump.rdb')));
      if (got.sha256 !== file.plainSha256) problems.push(`part redis, file ${file.key}: plain sha256 mismatch`);
      const r = await scratch.redis(dir, 'dump.rdb');
      const keys = await readKeyCounts({ host: r.host, port: r.port });
      checked.redisDbs = Object.keys(keys).length;
      problems.push(...diffKeyCounts(m.parts.redis.keys, keys).map((p) => `part redis: ${p}`));
    }
  } finally {
    await scratch.cleanup();
  }
  return problems;
}

export async function verifySet(o: VerifyOptions): Promise<VerifyRecord> {
  const now = o.now ?? (() => new Date());
  const start = now();
  const m = o.manifest;
  const checked: VerifyRecord['checked'] = { files: 0, tables: 0, redisDbs: 0, blobs: 0 };
  let problems: string[] = [];
  try {
    o.onStep?.('checking checksums');
    checked.files = await checkChecksums(o.store, m);
    checkKey(m, o.key);
    const codec: StreamCodec = { compression: m.compression, key: o.key };
    problems = await restoreIntoScratch(o, codec, checked);
    if (m.parts.postgres?.base) {
      o.onStep?.('checking the archived WAL chain from the base backup');
      const wal = await checkWalChain(o.store, m.parts.postgres.base);
      checked.walSegments = wal.segments;
      problems.push(...wal.problems);
    }
    o.onStep?.('decrypting blobs');
    for (const blob of m.parts.files?.files ?? []) {
      const got = await readObject(o.store, blob.key, { compression: 'none', key: o.key }, discard()).catch((err: Error) => {
        throw new BackupError(`part files, file ${blob.key}: ${err.message}`, 'the set is damaged');
      });
      if (got.sha256 !== blob.address) problems.push(`part files, file ${blob.key}: content does not match its address`);
      checked.blobs++;
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  const record: VerifyRecord = { setId: m.id, ok: problems.length === 0, time: start.toISOString(), durationMs: now().getTime() - start.getTime(), problems, checked };
  await o.store.writeTextAtomic(setKey(m.id, VERIFY_NAME), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
