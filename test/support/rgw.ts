// Test side of the shared RGW (rgw-global-setup.ts): the coordinates, an S3 client, a bucket per
// test that is emptied and removed afterwards, and a gateway of the test's own to kill.
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { RgwCoordinates } from './rgw-cluster.js';

export { startGateway, type ExtraGateway, type RgwCoordinates } from './rgw-cluster.js';

/** The suite's RGW, or null (with the reason) when it cannot run here; under CI=true that throws. */
export function rgwOrSkip(): { rgw: RgwCoordinates | null; reason: string } {
  const v = inject('rgw');
  if (v && !('unavailable' in v)) return { rgw: v, reason: '' };
  const reason = v ? v.unavailable : 'test/support/rgw-global-setup.ts is not in vitest.config.ts globalSetup';
  if (process.env.CI === 'true' || process.env.PRODCTL_REQUIRE_RGW === '1') throw new Error(reason);
  return { rgw: null, reason };
}

/** An S3 client as the runtime configures one for this gateway (path style, checksums only when required). */
export function s3ClientFor(rgw: RgwCoordinates, endpoint = rgw.endpoint): S3Client {
  return new S3Client({
    endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export interface TestBucket {
  name: string;
  client: S3Client;
  /** Deletes every object (and unfinished multipart upload parts' objects) and the bucket. */
  remove(): Promise<void>;
}

/** A fresh bucket for one test: `label` plus random hex, within S3's naming rules. */
export async function createTestBucket(rgw: RgwCoordinates, label: string): Promise<TestBucket> {
  const client = s3ClientFor(rgw);
  const name = `${label.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40)}-${randomBytes(6).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: name }));
  return {
    name,
    client,
    async remove() {
      await emptyBucket(client, name);
      await client.send(new DeleteBucketCommand({ Bucket: name }));
      client.destroy();
    },
  };
}

export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    token = page.NextContinuationToken;
  } while (token);
}

/** Every key in the bucket under a prefix (paged). */
export async function listKeys(client: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}
