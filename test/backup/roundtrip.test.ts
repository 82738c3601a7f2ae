// Must-show 1 and 2 of issue 7 on real Postgres 15 and Redis 7 (AOF on, as in production):
// seed with the runtime's schema and BullMQ → backup → wipe → restore → identical; then one flipped
// byte in any part makes restore and verify refuse, naming part and file, live data untouched.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSets, loadCompleteSet } from '../../backup/catalog.js';
import { createBackup } from '../../backup/create-backup.js';
import type { Manifest } from '../../backup/manifest.js';
import { createLocalPgTools } from '../../backup/parts/pg-tools.js';
import { readTableSums } from '../../backup/parts/postgres.js';
import { restoreSet } from '../../backup/restore.js';
import type { BackupSources } from '../../backup/sources.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { summarizeStatus, writeTextfile } from '../../backup/textfile.js';
import { verifySet } from '../../backup/verify.js';
import { REDIS_KEYS } from '../../contract/index.js';
import { makeTempDir, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '../support/services.js';
import { withPg, withRedis } from './clients.js';
import { hashUploads, readQueue, seedStack, snapshotQueries, type Seeded } from './seed.js';

let pgs: TestPostgres;
let rds: TestRedis;
let root: string;
let live: BackupSources;
let pgUrl: string;
let seeded: Seeded;
const key = randomBytes(32);
const codec = { compression: 'zstd' as const, key };
const opts = { codec, profileHash: 'test-profile', toolVersion: 'test' };

beforeAll(async () => {
  [pgs, rds] = await Promise.all([startTestPostgres(), startTestRedis({ appendonly: 'yes' })]);
  root = makeTempDir('prodctl-backup-rt-');
  await withPg(pgs.connectionString(), (admin) => admin.query('CREATE DATABASE app'));
  pgUrl = pgs.connectionString('app');
  const uploadsDir = path.join(root, 'uploads');
  live = {
    postgres: { conn: { host: pgs.host, port: pgs.port, user: pgs.user, database: 'app' }, tools: createLocalPgTools() },
    redis: { conn: { host: rds.host, port: rds.port } },
    files: { uploadsDir },
  };
  seeded = await seedStack({ pgUrl, redis: rds, uploadsDir, users: 4, filesPerUser: 5 });
});

afterAll(async () => {
  await Promise.all([pgs?.cleanup(), rds?.cleanup()]);
  rmSync(root, { recursive: true, force: true });
});

async function wipeEverything(): Promise<void> {
  await withPg(pgUrl, (c) => c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));
  await withRedis(rds, (r) => r.flushall());
  rmSync(path.join(live.files!.uploadsDir, 'blobs'), { recursive: true, force: true });
}

async function redisState(): Promise<{ dbsize: number; maintenance: number }> {
  return withRedis(rds, async (r) => ({ dbsize: await r.dbsize(), maintenance: await r.exists(REDIS_KEYS.maintenance) }));
}

describe('backup → wipe → restore', () => {
  let manifest: Manifest;

  it('restores identical tables, query results, files and queued jobs', async () => {
    const store = createLocalStore(path.join(root, 'backups'));
    const before = { queries: await snapshotQueries(pgUrl), queue: await readQueue(rds), sums: await readTableSums(live.postgres!.conn) };
    expect(before.queue.waiting).toEqual(seeded.queuedJobIds);

    manifest = await createBackup({ ...opts, store, sources: live });
    expect(manifest.parts.postgres!.tables['public.files'].rows).toBe(20);
    expect(manifest.parts.postgres!.serverVersion).toMatch(/^15\./);
    expect(manifest.parts.postgres!.tables).toEqual(before.sums);
    expect(manifest.parts.files!.files.map((b) => b.address)).toEqual(seeded.blobs);
    expect(manifest.parts.redis!.keys.db0.keys).toBeGreaterThan(seeded.queuedJobIds.length);
    expect(JSON.stringify(manifest)).not.toContain(key.toString('hex'));

    // A second set copies no blob again: the pool is content-addressed.
    const second = await createBackup({ ...opts, store, sources: live });
    expect(second.parts.files!.newBlobs).toBe(0);
    expect(second.parts.files!.files.map((b) => b.key)).toEqual(manifest.parts.files!.files.map((b) => b.key));

    await wipeEverything();
    const result = await restoreSet({ store, manifest, key, live, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 100 });
    expect(result.safetySetId).toBeTruthy();
    expect(result.files.restored).toBe(seeded.blobs.length);

    expect(await snapshotQueries(pgUrl)).toEqual(before.queries);
    expect(await readTableSums(live.postgres!.conn)).toEqual(before.sums);
    const files = hashUploads(live.files!.uploadsDir);
    expect(Object.keys(files).sort()).toEqual(seeded.blobs);
    for (const [address, sha] of Object.entries(files)) expect(sha).toBe(address);
    expect(await readQueue(rds)).toEqual(before.queue);
    expect((await redisState()).maintenance).toBe(0);
  });

  it('verify restores into scratch instances, records the result and the textfile', async () => {
    const store = createLocalStore(path.join(root, 'backups'));
    const record = await verifySet({ store, manifest, key, pgTools: createLocalPgTools() });
    expect(record.problems).toEqual([]);
    expect(record.ok).toBe(true);
    expect(record.checked.tables).toBe(7); // the runtime's six tables + blob_tombstones
    expect(record.checked.blobs).toBe(seeded.blobs.length);
    const sets = await listSets(store);
    expect(sets.find((s) => s.id === manifest.id)!.verify!.ok).toBe(true);
    const file = writeTextfile(path.join(root, 'state'), summarizeStatus(sets));
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/^prodctl_backup_last_verify_ok 1$/m);
    await execa('promtool', ['check', 'metrics'], { input: text });
  });
});

describe('a flipped byte in any part', () => {
  it.each(['postgres', 'redis', 'files', 'manifest'] as const)('makes restore and verify refuse (%s), live data untouched', async (part) => {
    const store = createLocalStore(path.join(root, 'backups'));
    const sets = await listSets(store);
    const manifest = sets.find((s) => s.status === 'complete')!.manifest!;
    const fileKey = part === 'manifest' ? `${manifest.id}/manifest.json` : manifest.parts[part]!.files[0].key;
    const p = path.join(root, 'backups', fileKey);
    const original = readFileSync(p);
    const bad = Buffer.from(original);
    bad[Math.floor(bad.length / 2)] ^= 0x01;
    writeFileSync(p, bad);
    const liveBefore = { sums: await readTableSums(live.postgres!.conn), redis: await redisState(), files: hashUploads(live.files!.uploadsDir) };
    try {
      const expected = part === 'manifest' ? /part manifest, file manifest\.json/ : new RegExp(`part ${part}, file ${fileKey.replace(/\./g, '\\.')} checksum mismatch`);
      const loaded = part === 'manifest' ? loadCompleteSet(store, manifest.id) : Promise.resolve(manifest);
      await expect(loaded.then((m) => restoreSet({ store, manifest: m, key, live, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 0 }))).rejects.toThrow(expected);
      if (part !== 'manifest') {
        const record = await verifySet({ store, manifest, key, pgTools: createLocalPgTools() });
        expect(record.ok).toBe(false);
        expect(record.problems.join('\n')).toMatch(expected);
      }
      expect((await listSets(store)).length).toBe(sets.length); // no safety backup was taken either
      expect(await readTableSums(live.postgres!.conn)).toEqual(liveBefore.sums);
      expect(await redisState()).toEqual(liveBefore.redis);
      expect(hashUploads(live.files!.uploadsDir)).toEqual(liveBefore.files);
    } finally {
      writeFileSync(p, original);
    }
  });
});
