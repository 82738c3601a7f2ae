// The suite's RGW is a real S3: buckets per test, ranged reads, listing, and a gateway of the
// test's own that can be killed and brought back.
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestBucket, listKeys, rgwOrSkip, s3ClientFor, startGateway } from '../support/rgw.js';

const { rgw, reason } = rgwOrSkip();

describe.skipIf(!rgw)(`test RGW harness${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('gives each test its own bucket, serves ranges and removes the bucket with its objects', async () => {
    const b = await createTestBucket(rgw!, 'harness');
    await b.client.send(new PutObjectCommand({ Bucket: b.name, Key: 'a/b', Body: 'hello, ranged world' }));
    const got = await b.client.send(new GetObjectCommand({ Bucket: b.name, Key: 'a/b', Range: 'bytes=7-12' }));
    expect(got.ContentRange).toBe('bytes 7-12/19');
    expect(await got.Body!.transformToString()).toBe('ranged');
    expect(await listKeys(b.client, b.name)).toEqual(['a/b']);
    await b.remove();
    await expect(s3ClientFor(rgw!).send(new HeadBucketCommand({ Bucket: b.name }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('starts a gateway of the test own that can be killed and restarted on the same port', async () => {
    const b = await createTestBucket(rgw!, 'harness-gw');
    cleanups.push(b.remove);
    const gw = await startGateway(rgw!);
    cleanups.push(gw.kill);
    const client = s3ClientFor(rgw!, gw.endpoint);
    await client.send(new PutObjectCommand({ Bucket: b.name, Key: 'k', Body: 'x' }));
    await gw.kill();
    await expect(fetch(gw.endpoint)).rejects.toThrow();
    await gw.start();
    const got = await client.send(new GetObjectCommand({ Bucket: b.name, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('x');
    client.destroy();
  });
});
