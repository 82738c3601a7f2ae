// The S3 blob store against the suite's real Ceph RGW: small uploads PUT once with Content-MD5,
// large ones streamed as multipart and checked by ETag, ranged reads, whole reads checked against
// the address, the sweeper's primitives, and an outage as StoreUnavailableError.
import { GetObjectCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, CreateMultipartUploadCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3Settings } from '../../runtime/core/s3-client.js';
import { createS3Store, type S3BlobStore } from '../../runtime/core/s3-store.js';
import { KEEP_IN_MEMORY_BYTES, StoreUnavailableError, TooLargeError } from '../../runtime/core/storage.js';
import { createTestBucket, listKeys, rgwOrSkip, startGateway, type RgwCoordinates, type TestBucket } from '../support/rgw.js';

const { rgw, reason } = rgwOrSkip();
const PART = 5 * 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const chunked = (b: Buffer) => Readable.from((function* () {
  for (let i = 0; i < b.length; i += 65_536) yield b.subarray(i, i + 65_536);
})());

export function s3SettingsFor(r: RgwCoordinates, bucket: string, endpoint = r.endpoint): S3Settings {
  return { endpoint, region: r.region, bucket, prefix: 'uploads/', forcePathStyle: true, accessKeyId: r.accessKeyId, secretAccessKey: r.secretAccessKey, partSize: PART, queueSize: 2, maxAttempts: 2 };
}

describe.skipIf(!rgw)(`S3 blob store on Ceph RGW${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  let b: TestBucket;
  let store: S3BlobStore;
  beforeAll(async () => {
    b = await createTestBucket(rgw!, 'blobs');
    store = createS3Store(s3SettingsFor(rgw!, b.name));
  });
  afterAll(async () => {
    store?.client.destroy();
    await b?.remove();
  });

  it('PUTs a small upload once under its sha256, records the sha256, and keeps its content', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
    const blob = await store.put(chunked(body), 2 * KEEP_IN_MEMORY_BYTES);
    expect(blob).toMatchObject({ sha256: sha(body), bytes: body.length });
    expect(Buffer.from(blob.content!).equals(body)).toBe(true);
    expect(blob.content!.buffer.byteLength).toBe(body.length);
    const head = await b.client.send(new HeadObjectCommand({ Bucket: b.name, Key: store.keyOf(blob.sha256) }));
    expect(head.Metadata).toEqual({ sha256: blob.sha256 });
    expect((await store.read(blob.sha256)).equals(body)).toBe(true);
    expect(await listKeys(b.client, b.name, 'uploads/tmp/')).toEqual([]);
  });

  it('streams a large upload as multipart, checks its ETag, copies it to its address and leaves no temp object', async () => {
    const body = randomBytes(2 * PART + 123_457); // three parts
    const blob = await store.put(chunked(body), 4 * PART);
    expect(blob).toMatchObject({ sha256: sha(body), bytes: body.length });
    expect(blob.content).toBeUndefined();
    expect(await store.size(blob.sha256)).toBe(body.length);
    const range = await store.stream(blob.sha256, { start: PART - 10, end: PART + 9 });
    const got: Buffer[] = [];
    for await (const c of range) got.push(c as Buffer);
    expect(Buffer.concat(got).equals(body.subarray(PART - 10, PART + 10))).toBe(true);
    expect(await listKeys(b.client, b.name, 'uploads/tmp/')).toEqual([]);
    expect((await b.client.send(new ListMultipartUploadsCommand({ Bucket: b.name }))).Uploads ?? []).toEqual([]);
  });

  it('refuses an upload past the limit with TooLargeError and aborts its multipart upload', async () => {
    const body = randomBytes(3 * PART);
    await expect(store.put(chunked(body), 2 * PART)).rejects.toBeInstanceOf(TooLargeError);
    expect(await listKeys(b.client, b.name, 'uploads/tmp/')).toEqual([]);
    expect((await b.client.send(new ListMultipartUploadsCommand({ Bucket: b.name }))).Uploads ?? []).toEqual([]);
  });

  it('stores worker outputs from memory, multipart when larger than a part, and checks them', async () => {
    for (const data of [randomBytes(3_000), randomBytes(PART + 77)]) {
      const blob = await store.putBuffer(data);
      expect(blob).toMatchObject({ sha256: sha(data), bytes: data.length });
      expect((await store.read(blob.sha256)).equals(data)).toBe(true);
    }
  });

  it('refuses to hand out a blob whose bytes in the bucket no longer match its address', async () => {
    const data = randomBytes(10_000);
    const blob = await store.putBuffer(data);
    const bad = Buffer.from(data);
    bad[5_000] ^= 1;
    await b.client.send(new PutObjectCommand({ Bucket: b.name, Key: store.keyOf(blob.sha256), Body: bad }));
    await expect(store.read(blob.sha256)).rejects.toThrow(/does not match its content address/);
  });

  it('removes a blob only when it was not written within the fresh window; a temp sweep takes leftovers', async () => {
    const blob = await store.putBuffer(randomBytes(1_000));
    expect(await store.removeUnlessFresh(blob.sha256, 60_000)).toBe('fresh');
    expect(await store.removeUnlessFresh(blob.sha256, 0)).toBe('removed');
    expect(await store.removeUnlessFresh(blob.sha256, 0)).toBe('missing');
    await b.client.send(new PutObjectCommand({ Bucket: b.name, Key: 'uploads/tmp/killed.part', Body: 'x' }));
    await b.client.send(new CreateMultipartUploadCommand({ Bucket: b.name, Key: 'uploads/tmp/killed-too.part' }));
    expect(await store.removeStaleTemp(60_000)).toBe(0);
    await new Promise((r) => setTimeout(r, 1_100)); // S3 times have whole seconds
    expect(await store.removeStaleTemp(1_000)).toBe(2);
    expect(await listKeys(b.client, b.name, 'uploads/tmp/')).toEqual([]);
  });

  it('reports an outage of the store as StoreUnavailableError and works again when it is back', async () => {
    const gw = await startGateway(rgw!);
    const viaGw = createS3Store(s3SettingsFor(rgw!, b.name, gw.endpoint));
    try {
      await viaGw.check();
      await gw.kill();
      await expect(viaGw.check()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(viaGw.put(chunked(randomBytes(2 * PART)), 4 * PART)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(viaGw.putBuffer(randomBytes(100))).rejects.toBeInstanceOf(StoreUnavailableError);
      await gw.start();
      const data = randomBytes(100);
      const blob = await viaGw.putBuffer(data);
      const got = await b.client.send(new GetObjectCommand({ Bucket: b.name, Key: viaGw.keyOf(blob.sha256) }));
      expect(Buffer.from(await got.Body!.transformToByteArray()).equals(data)).toBe(true);
    } finally {
      viaGw.client.destroy();
      await gw.kill();
    }
  });
});
