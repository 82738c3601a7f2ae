// The S3 blob store: the local store's layout as keys (<prefix>blobs/<2 hex>/<sha256>) in one
// bucket. Small uploads are hashed in memory and PUT once at their final name with Content-MD5
// (the store checks it); larger ones stream as a multipart upload to <prefix>tmp/<uuid>.part,
// are checked against the ETag of the MD5s of their parts, then copied to their content address
// (server side) with the sha256 recorded as object metadata. Every failure that means "the store
// is away" surfaces as StoreUnavailableError.
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { asStoreError, createS3Client, isNotFound, type S3Settings } from './s3-client.js';
import { PartHasher, S3UploadSink } from './s3-upload-sink.js';
import { meterInto, type BlobStore, type StoredBlob } from './storage.js';

export interface S3BlobStore extends BlobStore {
  keyOf(sha256: string): string;
  client: S3Client;
  bucket: string;
}

const SHA_META = 'sha256';

export function createS3Store(s: S3Settings): S3BlobStore {
  const client = createS3Client(s);
  const { bucket, prefix } = s;
  const keyOf = (sha: string): string => {
    if (!/^[a-f0-9]{64}$/.test(sha)) throw new Error('bad content address');
    return `${prefix}blobs/${sha.slice(0, 2)}/${sha}`;
  };
  const tempPrefix = `${prefix}tmp/`;

  /** Runs one store call; outages become StoreUnavailableError. */
  async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asStoreError(err, what);
    }
  }

  /** One PUT with Content-MD5: the store refuses the write if the bytes it got differ. */
  async function putWhole(sha256: string, data: Uint8Array): Promise<void> {
    await call('put', () =>
      client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: keyOf(sha256),
          Body: data,
          ContentLength: data.byteLength,
          ContentMD5: createHash('md5').update(data).digest('base64'),
          ContentType: 'application/octet-stream',
          Metadata: { [SHA_META]: sha256 },
        }),
      ),
    );
  }

  /** Checks what the store holds under `key` against the bytes we sent (length and ETag). */
  async function verifyStored(key: string, bytes: number, etag: string): Promise<void> {
    const head = await call('head', () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
    const got = (head.ETag ?? '').replace(/"/g, '');
    if (head.ContentLength !== bytes || got !== etag) {
      throw new Error(`object store kept other bytes than were sent for ${key}: ${head.ContentLength} bytes, ETag ${got}; expected ${bytes} bytes, ETag ${etag}`);
    }
  }

  async function put(source: Readable, maxBytes: number): Promise<StoredBlob> {
    const tempKey = `${tempPrefix}${randomUUID()}.part`;
    const sink = new S3UploadSink({ client, bucket, tempKey, partSize: s.partSize, queueSize: s.queueSize });
    let meta;
    try {
      meta = await meterInto(source, maxBytes, sink);
    } catch (err) {
      throw asStoreError(err, 'upload');
    }
    if (!sink.streamed) {
      await putWhole(meta.sha256, sink.content!);
      return { ...meta, content: sink.content! };
    }
    try {
      await verifyStored(tempKey, meta.bytes, sink.hasher.etag());
      // Same content, same name: copying over an existing blob only refreshes its LastModified,
      // which the sweeper reads as "stored again".
      await call('copy', () =>
        client.send(
          new CopyObjectCommand({
            Bucket: bucket,
            Key: keyOf(meta.sha256),
            CopySource: `${bucket}/${encodeURI(tempKey)}`,
            MetadataDirective: 'REPLACE',
            Metadata: { [SHA_META]: meta.sha256 },
            ContentType: 'application/octet-stream',
          }),
        ),
      );
    } finally {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: tempKey })).catch(() => {}); // else the temp sweep takes it
    }
    return meta;
  }

  /** Worker outputs: already in memory. One PUT when they fit a part, else a multipart upload. */
  async function putBuffer(data: Uint8Array): Promise<StoredBlob> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const sha256 = createHash('sha256').update(buf).digest('hex');
    const stored = { sha256, bytes: buf.length, head: Buffer.from(buf.subarray(0, 1024)) };
    if (buf.length <= s.partSize) {
      await putWhole(sha256, buf);
      return stored;
    }
    const key = keyOf(sha256);
    const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: buf, Metadata: { [SHA_META]: sha256 } }, partSize: s.partSize, queueSize: s.queueSize, leavePartsOnError: false });
    await call('upload', () => upload.done());
    const parts = new PartHasher(s.partSize);
    parts.update(buf);
    await verifyStored(key, buf.length, parts.etag());
    return stored;
  }

  async function get(sha: string, range?: { start: number; end: number }) {
    return call('get', () => client.send(new GetObjectCommand({ Bucket: bucket, Key: keyOf(sha), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) })));
  }

  /** Whole blobs are checked against their address on the way in to a job. */
  async function read(sha: string): Promise<Buffer> {
    const res = await get(sha);
    const buf = Buffer.from(await call('read', () => res.Body!.transformToByteArray()));
    if (createHash('sha256').update(buf).digest('hex') !== sha) throw new Error(`blob ${sha} in the object store does not match its content address`);
    return buf;
  }

  async function removeUnlessFresh(sha: string, freshMs: number): Promise<'removed' | 'fresh' | 'missing'> {
    let modified: Date | undefined;
    try {
      modified = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sha) }))).LastModified;
    } catch (err) {
      if (isNotFound(err)) return 'missing';
      throw asStoreError(err, 'head');
    }
    if (modified && modified.getTime() > Date.now() - freshMs) return 'fresh';
    await call('delete', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha) })));
    return 'removed';
  }

  /** Temp objects and unfinished multipart uploads of writes that never committed. */
  async function removeStaleTemp(olderThanMs: number): Promise<number> {
    const before = Date.now() - olderThanMs;
    let removed = 0;
    let token: string | undefined;
    do {
      const page = await call('list', () => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: tempPrefix, ContinuationToken: token })));
      for (const o of page.Contents ?? []) {
        if (!o.Key || (o.LastModified?.getTime() ?? 0) > before) continue;
        await call('delete', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key })));
        removed++;
      }
      token = page.NextContinuationToken;
    } while (token);
    const uploads = await call('list uploads', () => client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: tempPrefix })));
    for (const u of uploads.Uploads ?? []) {
      if (!u.Key || !u.UploadId || (u.Initiated?.getTime() ?? 0) > before) continue;
      await call('abort', () => client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId })));
      removed++;
    }
    return removed;
  }

  return {
    kind: 's3',
    put,
    putBuffer,
    read,
    stream: async (sha, range) => (await get(sha, range)).Body as Readable,
    size: async (sha) => (await call('head', () => client.send(new HeadObjectCommand({ Bucket: bucket, Key: keyOf(sha) })))).ContentLength ?? 0,
    remove: async (sha) => void (await call('delete', () => client.send(new DeleteObjectCommand({ Bucket: bucket, Key: keyOf(sha) })))),
    removeUnlessFresh,
    removeStaleTemp,
    check: async () => void (await call('check', () => client.send(new HeadBucketCommand({ Bucket: bucket })))),
    keyOf,
    client,
    bucket,
  };
}
