// Backup sets in an S3 bucket (the suite's Ceph RGW): a full set streamed to the bucket, verify by
// scratch restore from it, restore into a fresh stack with every row, file and queued job
// identical; a set whose backup was killed before its manifest is not listed as good; one flipped
// byte of an object in the bucket makes verify fail and restore refuse, touching nothing.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSets } from '../../backup/catalog.js';
import { createBackup } from '../../backup/create-backup.js';
import type { Manifest } from '../../backup/manifest.js';
import { createLocalPgTools } from '../../backup/parts/pg-tools.js';
import { readTableSums } from '../../backup/parts/postgres.js';
import { restoreSet } from '../../backup/restore.js';
import type { BackupSources } from '../../backup/sources.js';
import { createS3BackupStore } from '../../backup/stores/s3.js';
import { makeTempDir, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '../support/services.js';
import { createTestBucket, listKeys, rgwOrSkip, type TestBucket } from '../support/rgw.js';
import { withPg, withRedis } from '../backup/clients.js';
import { hashUploads, readQueue, seedStack, snapshotQueries, type Seeded } from '../backup/seed.js';

const { rgw, reason } = rgwOrSkip();
const key = randomBytes(32);
const opts = { codec: { compression: 'zstd' as const, key }, profileHash: 'test-profile', toolVersion: 'test' };

interface Stack {
  pg: TestPostgres;
  redis: TestRedis;
  sources: BackupSources;
  pgUrl: string;
}

async function startStack(root: string, name: string): Promise<Stack> {
  const [pgs, rds] = await Promise.all([startTestPostgres(), startTestRedis({ appendonly: 'yes' })]);
  await withPg(pgs.connectionString(), (admin) => admin.query('CREATE DATABASE app'));
  const sources: BackupSources = {
    postgres: { conn: { host: pgs.host, port: pgs.port, user: pgs.user, database: 'app' }, tools: createLocalPgTools() },
    redis: { conn: { host: rds.host, port: rds.port } },
    files: { uploadsDir: path.join(root, name, 'uploads') },
  };
  return { pg: pgs, redis: rds, sources, pgUrl: pgs.connectionString('app') };
}

describe.skipIf(!rgw)(`backup store on S3 (Ceph RGW)${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  let root: string;
  let live: Stack;
  let fresh: Stack;
  let seeded: Seeded;
  let bucket: TestBucket;
  let manifest: Manifest;
  const store = () => createS3BackupStore({ endpoint: rgw!.endpoint, region: rgw!.region, bucket: bucket.name, prefix: 'backups/', forcePathStyle: true, accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey });

  beforeAll(async () => {
    root = makeTempDir('prodctl-backup-s3-');
    [live, fresh, bucket] = await Promise.all([startStack(root, 'live'), startStack(root, 'fresh'), createTestBucket(rgw!, 'backups')]);
    seeded = await seedStack({ pgUrl: live.pgUrl, redis: live.redis, uploadsDir: live.sources.files!.uploadsDir, users: 3, filesPerUser: 4 });
  });
  afterAll(async () => {
    await Promise.all([live?.pg.cleanup(), live?.redis.cleanup(), fresh?.pg.cleanup(), fresh?.redis.cleanup()]);
    await bucket?.remove();
    rmSync(root, { recursive: true, force: true });
  });

  it('writes a full set to the bucket, verifies it by scratch restore from there, and restores it into a fresh stack identically', async () => {
    const s = store();
    manifest = await createBackup({ ...opts, store: s, sources: live.sources });
    const keys = await listKeys(bucket.client, bucket.name, 'backups/');
    expect(keys).toContain(`backups/${manifest.id}/manifest.json`);
    for (const f of manifest.parts.files!.files) expect(keys).toContain(`backups/${f.key}`);
    expect((await listSets(s)).find((x) => x.id === manifest.id)!.status).toBe('complete');

    const { verifySet } = await import('../../backup/verify.js');
    const record = await verifySet({ store: s, manifest, key, pgTools: createLocalPgTools() });
    expect(record.problems).toEqual([]);
    expect(record.ok).toBe(true);
    expect(record.checked.blobs).toBe(seeded.blobs.length);

    const before = { queries: await snapshotQueries(live.pgUrl), queue: await readQueue(live.redis), sums: await readTableSums(live.sources.postgres!.conn) };
    await restoreSet({ store: s, manifest, key, live: fresh.sources, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 0 });
    expect(await snapshotQueries(fresh.pgUrl)).toEqual(before.queries);
    expect(await readTableSums(fresh.sources.postgres!.conn)).toEqual(before.sums);
    expect(await readQueue(fresh.redis)).toEqual(before.queue);
    expect(hashUploads(fresh.sources.files!.uploadsDir)).toEqual(hashUploads(live.sources.files!.uploadsDir));
    expect(Object.keys(hashUploads(fresh.sources.files!.uploadsDir)).sort()).toEqual(seeded.blobs);
  });

  it('does not list a set whose backup died before its manifest as good', async () => {
    const s = store();
    const w = await s.openWriter('20991231T000000Z-dead/postgres.dump.zst.enc');
    w.stream.end(randomBytes(1000));
    await new Promise((r) => w.stream.once('finish', r));
    await w.commit(); // the part made it; the process died before the manifest
    const sets = await listSets(s);
    expect(sets.find((x) => x.id === '20991231T000000Z-dead')?.status).toBe('incomplete');
    expect(sets.filter((x) => x.status === 'complete').map((x) => x.id)).toContain(manifest.id);
    expect(sets.filter((x) => x.status === 'complete').map((x) => x.id)).not.toContain('20991231T000000Z-dead');
    await s.removePrefix('20991231T000000Z-dead');
  });

  it.each(['postgres', 'files'] as const)('refuses a set with one flipped byte in an object (%s): verify fails, restore touches nothing', async (part) => {
    const s = store();
    const objectKey = `backups/${manifest.parts[part]!.files[0].key}`;
    const original = Buffer.from(await (await bucket.client.send(new GetObjectCommand({ Bucket: bucket.name, Key: objectKey }))).Body!.transformToByteArray());
    const bad = Buffer.from(original);
    bad[Math.floor(bad.length / 2)] ^= 0x01;
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: objectKey, Body: bad }));
    const liveBefore = { sums: await readTableSums(live.sources.postgres!.conn), files: hashUploads(live.sources.files!.uploadsDir), redis: await withRedis(live.redis, (r) => r.dbsize()) };
    const setsBefore = (await listSets(s)).length;
    try {
      const { verifySet } = await import('../../backup/verify.js');
      const record = await verifySet({ store: s, manifest, key, pgTools: createLocalPgTools() });
      expect(record.ok).toBe(false);
      expect(record.problems.join('\n')).toMatch(new RegExp(`part ${part}, file .* checksum mismatch`));
      await expect(restoreSet({ store: s, manifest, key, live: live.sources, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 0 })).rejects.toThrow(/checksum mismatch/);
      expect((await listSets(s)).length).toBe(setsBefore); // no safety set either
      expect(await readTableSums(live.sources.postgres!.conn)).toEqual(liveBefore.sums);
      expect(hashUploads(live.sources.files!.uploadsDir)).toEqual(liveBefore.files);
      expect(await withRedis(live.redis, (r) => r.dbsize())).toBe(liveBefore.redis);
    } finally {
      await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: objectKey, Body: original }));
    }
  });
});
