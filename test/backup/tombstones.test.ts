// Backups with the runtime's lazy blob deletion (blob_tombstones + the sweeper), on real Postgres
// and Redis: deleted files' blobs are not required in a set, verify proves every referenced blob is
// in it, a restore of the database alone refuses when the sweeper has taken blobs it needs, and a
// restore tombstones later uploads so the sweeper collects them.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSets } from '../../backup/catalog.js';
import { createBackup } from '../../backup/create-backup.js';
import { judgeBlobRefs, readBlobRefs } from '../../backup/parts/blob-refs.js';
import { sealManifest, type Manifest } from '../../backup/manifest.js';
import { createLocalPgTools } from '../../backup/parts/pg-tools.js';
import { readTableSums } from '../../backup/parts/postgres.js';
import { restoreSet } from '../../backup/restore.js';
import type { BackupSources } from '../../backup/sources.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { verifySet } from '../../backup/verify.js';
import { sweepBlobs } from '../../runtime/core/blob-sweeper.js';
import { deleteFile, insertUploadedFile } from '../../runtime/core/repo.js';
import { createLocalStore as createBlobStore } from '../../runtime/core/local-store.js';
import { makeTempDir, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '../support/services.js';
import { openPgPool, withPg } from './clients.js';
import { hashUploads, seedStack, type Seeded } from './seed.js';

let pgs: TestPostgres;
let rds: TestRedis;
let root: string;
let pgUrl: string;
let live: BackupSources;
let seeded: Seeded;
let deleted: string[];
const key = randomBytes(32);
const opts = { codec: { compression: 'zstd' as const, key }, profileHash: 'tombstones', toolVersion: 'test' };
const store = () => createLocalStore(path.join(root, 'backups'));

beforeAll(async () => {
  [pgs, rds] = await Promise.all([startTestPostgres(), startTestRedis()]);
  root = makeTempDir('prodctl-backup-tomb-');
  await withPg(pgs.connectionString(), (c) => c.query('CREATE DATABASE app'));
  pgUrl = pgs.connectionString('app');
  live = {
    postgres: { conn: { host: pgs.host, port: pgs.port, user: pgs.user, database: 'app' }, tools: createLocalPgTools() },
    redis: { conn: { host: rds.host, port: rds.port } },
    files: { uploadsDir: path.join(root, 'uploads') },
  };
  seeded = await seedStack({ pgUrl, redis: rds, uploadsDir: live.files!.uploadsDir, users: 2, filesPerUser: 3 });
  // Two files deleted the runtime's way: rows gone, blobs tombstoned, still on disk.
  deleted = await withPg(pgUrl, async (c) => {
    const rows = (await c.query<{ id: string; user_id: string; sha256: string }>('SELECT id, user_id, sha256 FROM files ORDER BY sha256 LIMIT 2')).rows;
    for (const r of rows) expect(await deleteFile(c, r.user_id, r.id)).toEqual({ deleted: true, tombstoned: true });
    return rows.map((r) => r.sha256).sort();
  });
});

afterAll(async () => {
  await Promise.all([pgs?.cleanup(), rds?.cleanup()]);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('backups and the runtime blob tombstones', () => {
  let manifest: Manifest;
  const referenced = () => seeded.blobs.filter((b) => !deleted.includes(b));

  it('a set holds the referenced blobs; tombstoned ones are not required and verify says so', async () => {
    manifest = await createBackup({ ...opts, store: store(), sources: live });
    expect(manifest.parts.files!.files.map((b) => b.address)).toEqual(referenced());
    expect(manifest.parts.postgres!.tables['public.blob_tombstones'].rows).toBe(2);
    const record = await verifySet({ store: store(), manifest, key, pgTools: createLocalPgTools() });
    expect(record.problems).toEqual([]);
    expect(record.checked).toMatchObject({ referencedBlobs: referenced().length, tombstonedBlobs: 2, tombstonedIncluded: 0, blobs: referenced().length });
  });

  it('verify fails a set that lacks a blob its files table references, naming the blob', async () => {
    // An inconsistent set (as a backup without the snapshot discipline would write it): one blob left out.
    const dropped = manifest.parts.files!.files[0].address;
    const { checksum: _, ...body } = manifest;
    // Its parts keep pointing at the good set's objects (keys include the set id), so every checksum holds.
    const bad = sealManifest({ ...body, id: `${manifest.id}x`, parts: { ...manifest.parts, files: { ...manifest.parts.files!, files: manifest.parts.files!.files.slice(1) } } });
    try {
      const record = await verifySet({ store: store(), manifest: bad, key, pgTools: createLocalPgTools() });
      expect(record.ok).toBe(false);
      expect(record.problems).toEqual([`part files: 1 blob(s) referenced by the files table are not in the set: ${dropped}`]);
    } finally {
      await store().removePrefix(`${bad.id}/`);
    }
  });

  it('restoring only the database refuses, before touching anything, when the sweeper took blobs it needs', async () => {
    // The referenced blob goes missing on disk (say, a restore of a set from before a delete whose grace has passed).
    const victim = referenced()[0];
    const p = path.join(live.files!.uploadsDir, 'blobs', victim.slice(0, 2), victim);
    const before = await readTableSums(live.postgres!.conn);
    rmSync(p); // the next test's full restore puts it back
    const sets = (await listSets(store())).length;
    await expect(restoreSet({ store: store(), manifest, key, live, parts: ['postgres'], safety: opts, drainMs: 0 })).rejects.toThrow(
      new RegExp(`restoring only postgres from ${manifest.id} would leave files without their blobs: 1 blob\\(s\\) .* ${victim}`),
    );
    expect((await listSets(store())).length).toBe(sets); // not even a safety backup
    expect(await readTableSums(live.postgres!.conn)).toEqual(before);
  });

  it('a full restore brings every referenced blob back and tombstones later uploads; the sweeper removes only those', async () => {
    // After the backup: the sweeper removes the deleted files' blobs (grace 0), and a new upload arrives.
    const pool = openPgPool(pgUrl);
    const blobs = createBlobStore(live.files!.uploadsDir);
    try {
      expect(await sweepBlobs({ pool, store: blobs, graceMs: 0 })).toBe(2);
      const later = await blobs.putBuffer(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(3000)]));
      const user = (await pool.query('SELECT id FROM users LIMIT 1')).rows[0].id as string;
      await insertUploadedFile(pool, { userId: user, sha256: later.sha256, bytes: later.bytes, pages: 1, filename: 'later.pdf' });

      const result = await restoreSet({ store: store(), manifest, key, live, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 0 });
      expect(result.files.restored).toBe(1); // the one removed in the previous test
      expect(result.orphansTombstoned).toBe(1);
      const refs = await readBlobRefs(live.postgres!.conn);
      expect(refs.referenced).toEqual(referenced());
      expect(refs.tombstoned).toEqual([...deleted, later.sha256].sort());
      expect(judgeBlobRefs(refs, Object.keys(hashUploads(live.files!.uploadsDir))).missing).toEqual([]);

      // The sweeper now removes the later upload (and finds the deleted ones already gone); every referenced blob stays.
      // Everything an hour old: the grace has passed and the blob is not a fresh write either.
      await pool.query(`UPDATE blob_tombstones SET deleted_at = now() - interval '1 hour'`);
      const anHourAgo = new Date(Date.now() - 3600_000);
      utimesSync(blobs.pathOf(later.sha256), anHourAgo, anHourAgo);
      expect(await sweepBlobs({ pool, store: blobs, graceMs: 1000 })).toBe(1);
      const files = hashUploads(live.files!.uploadsDir);
      expect(Object.keys(files).sort()).toEqual(referenced());
      for (const [address, sha] of Object.entries(files)) expect(sha).toBe(address);
      expect(existsSync(blobs.pathOf(later.sha256))).toBe(false);
    } finally {
      await pool.end();
    }
  });
});
