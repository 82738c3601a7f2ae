// S3 Object Lock on backup objects (backup.target.object_lock) against the suite's Ceph RGW: a
// bucket created with Object Lock; a multipart object, a single-part object and a manifest written
// through the backup store each carry the retention; a prune's delete only hides the object (a
// delete marker), and deleting the locked version itself is refused by the store.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectRetentionCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3BackupStore } from '../../backup/stores/s3.js';
import { writeObject } from '../../backup/stream/pipeline.js';
import { rgwOrSkip, s3ClientFor } from '../support/rgw.js';

const { rgw, reason } = rgwOrSkip();

describe.skipIf(!rgw)(`backup objects under S3 Object Lock (Ceph RGW)${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  const bucket = `lock-${randomBytes(5).toString('hex')}`;
  const client = rgw ? s3ClientFor(rgw) : null;

  afterAll(async () => {
    if (!client) return;
    // GOVERNANCE lets the test's own user remove the locked versions with the bypass header.
    const v = await client.send(new ListObjectVersionsCommand({ Bucket: bucket })).catch(() => null);
    for (const o of [...(v?.Versions ?? []), ...(v?.DeleteMarkers ?? [])]) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key!, VersionId: o.VersionId, BypassGovernanceRetention: true })).catch(() => {});
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  });

  it('locks every object it writes; a delete leaves the locked version, which the store refuses to remove', async () => {
    await client!.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    const retainMs = 3_600_000;
    const store = createS3BackupStore({ endpoint: rgw!.endpoint, region: rgw!.region, bucket, prefix: 'backups/', forcePathStyle: true, accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey, objectLock: { mode: 'GOVERNANCE', retainMs } });
    const t0 = Date.now();
    const codec = { compression: 'none' as const, key: null };
    const step = <T>(name: string, p: Promise<T>) => p.catch((e: Error) => Promise.reject(new Error(`${name}: ${e.name} ${e.message}`)));
    await step('manifest', store.writeTextAtomic('set1/manifest.json', '{"id":"set1"}\n'));
    await step('single part', writeObject(store, 'wal/00000001/000000010000000000000001', Readable.from([randomBytes(64 * 1024)]), codec));
    await step('multipart', writeObject(store, 'set1/big.bin', Readable.from([randomBytes(20 * 1024 * 1024)]), codec));
    for (const key of ['set1/big.bin', 'wal/00000001/000000010000000000000001', 'set1/manifest.json']) {
      const r = await step(`retention of ${key}`, client!.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: `backups/${key}` })));
      expect(r.Retention?.Mode).toBe('GOVERNANCE');
      const until = r.Retention!.RetainUntilDate!.getTime();
      expect(until).toBeGreaterThanOrEqual(t0 + retainMs - 2000);
      expect(until).toBeLessThanOrEqual(Date.now() + retainMs + 2000);
    }
    await store.remove('set1/big.bin');
    expect(await store.exists('set1/big.bin')).toBe(false);
    const versions = await client!.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'backups/set1/big.bin' }));
    expect(versions.Versions).toHaveLength(1);
    expect(versions.DeleteMarkers).toHaveLength(1);
    const err = await client!.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'backups/set1/big.bin', VersionId: versions.Versions![0].VersionId })).then(
      () => null,
      (e: { $metadata?: { httpStatusCode?: number } }) => e,
    );
    expect(err?.$metadata?.httpStatusCode).toBe(403);
  }, 120_000);
});
