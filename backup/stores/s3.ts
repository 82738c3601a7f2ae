// S3 backup store: the same keys as the local folder ("<set>/manifest.json", "blobs/ab/<sha>")
// under a prefix of one bucket. Objects stream in as multipart uploads (never buffered whole) and
// become visible only when the upload completes; each is checked against the ETag computed from
// the bytes sent. Small texts (manifests) are one PUT with Content-MD5, which S3 applies whole.
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { BackupError } from '../../lib/errors.js';
import { createS3Client, isNotFound, type S3Settings } from '../../runtime/core/s3-client.js';
import { PartHasher } from '../../runtime/core/s3-upload-sink.js';
import type { BackupStore, StoreWriter } from './types.js';

/** Object Lock on every object written (backup.target.object_lock): locked for retainMs from its write. */
export interface ObjectLockSettings {
  mode: 'GOVERNANCE' | 'COMPLIANCE';
  retainMs: number;
}

export type S3StoreSettings = Pick<S3Settings, 'endpoint' | 'region' | 'bucket' | 'prefix' | 'forcePathStyle' | 'accessKeyId' | 'secretAccessKey'> & { objectLock?: ObjectLockSettings };

const PART_SIZE = 16 * 1024 * 1024;
const QUEUE_SIZE = 4;

export function createS3BackupStore(s: S3StoreSettings): BackupStore & { client: S3Client } {
  const client = createS3Client({ ...s, partSize: PART_SIZE, queueSize: QUEUE_SIZE, maxAttempts: 4 });
  const { bucket } = s;
  // Each object carries its own retention; a prune then only hides it (a delete marker) until the date.
  const lock = () => (s.objectLock ? { ObjectLockMode: s.objectLock.mode, ObjectLockRetainUntilDate: new Date(Date.now() + s.objectLock.retainMs) } : {});
  const full = (key: string) => {
    if (key.split('/').some((p) => p === '..' || p === '.')) throw new BackupError(`bad store key ${key}`, 'keys must stay inside the backup prefix');
    return `${s.prefix}${key}`;
  };

  async function head(key: string) {
    try {
      return await client.send(new HeadObjectCommand({ Bucket: bucket, Key: full(key) }));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async function listAll(prefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = [];
    const prefixes: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token }));
      for (const o of page.Contents ?? []) keys.push(o.Key!);
      for (const p of page.CommonPrefixes ?? []) prefixes.push(p.Prefix!);
      token = page.NextContinuationToken;
    } while (token);
    return { keys, prefixes };
  }

  function openWriter(key: string): StoreWriter {
    const parts = new PartHasher(PART_SIZE);
    let bytes = 0;
    // The caller writes here; the bytes are hashed per part on their way to the upload.
    const stream = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        parts.update(chunk);
        bytes += chunk.length;
        cb(null, chunk);
      },
    });
    const body = new PassThrough();
    stream.pipe(body);
    stream.on('error', (err) => body.destroy(err));
    const upload = new Upload({ client, params: { Bucket: bucket, Key: full(key), Body: body, ...lock() }, partSize: PART_SIZE, queueSize: QUEUE_SIZE, leavePartsOnError: false });
    const done = upload.done();
    done.catch(() => {}); // awaited by commit() or abort()
    return {
      stream,
      async commit() {
        await done;
        const h = await head(key);
        const etag = (h?.ETag ?? '').replace(/"/g, '');
        if (!h || h.ContentLength !== bytes || etag !== parts.etag()) {
          throw new BackupError(`${full(key)} in bucket ${bucket} holds other bytes than were sent`, 'run the backup again; check the object store');
        }
        // Ceph RGW 16 left a multipart object without the retention its CreateMultipartUpload asked
        // for (measured): it is set on the finished object, before commit returns (so before the
        // manifest names it).
        if (s.objectLock) {
          const l = lock();
          await client.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: full(key), Retention: { Mode: l.ObjectLockMode, RetainUntilDate: l.ObjectLockRetainUntilDate } }));
        }
      },
      async abort() {
        // Failing the body stops the upload, which then aborts itself (its parts go).
        body.destroy(new Error('backup object aborted'));
        await done.catch(() => {});
      },
    };
  }

  return {
    client,
    description: `s3 bucket ${bucket}${s.prefix ? ` prefix ${s.prefix}` : ''}${s.endpoint ? ` at ${s.endpoint}` : ''}`,
    async listChildren(prefix) {
      const base = full(prefix ? `${prefix.replace(/\/+$/, '')}/` : '');
      const { keys, prefixes } = await listAll(base, '/');
      const names = [...prefixes.map((p) => p.slice(base.length, -1)), ...keys.map((k) => k.slice(base.length))];
      return [...new Set(names.filter(Boolean))].sort();
    },
    exists: async (key) => (await head(key)) !== null,
    async size(key) {
      const h = await head(key);
      if (!h) throw new BackupError(`${full(key)} is not in bucket ${bucket}`, 'the set is incomplete; run prodctl backup again');
      return h.ContentLength ?? 0;
    },
    openWriter: async (key) => openWriter(key),
    openReader(key): Readable {
      const out = new PassThrough({ highWaterMark: 1024 * 1024 });
      client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) })).then(
        (res) => {
          const src = res.Body as Readable;
          src.on('error', (err) => out.destroy(err));
          src.pipe(out);
        },
        (err: Error) => out.destroy(err),
      );
      return out;
    },
    async readText(key) {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }));
        return await res.Body!.transformToString('utf8');
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },
    async writeTextAtomic(key, text) {
      const data = Buffer.from(text, 'utf8');
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: full(key), Body: data, ContentLength: data.length, ContentMD5: createHash('md5').update(data).digest('base64'), ...lock() }));
    },
    async remove(key) {
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: full(key) }], Quiet: true } }));
    },
    async removePrefix(prefix) {
      const { keys } = await listAll(full(`${prefix.replace(/\/+$/, '')}/`));
      for (let i = 0; i < keys.length; i += 1000) {
        await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
      }
    },
  };
}
