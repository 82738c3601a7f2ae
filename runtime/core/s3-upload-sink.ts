// Where an upload's bytes go on an S3 store: kept in memory up to KEEP_IN_MEMORY_BYTES (then one
// PutObject at the final name, since the sha256 is known by then), or streamed as a multipart
// upload (@aws-sdk/lib-storage) to a temp key once larger: never buffered whole, memory about
// (queueSize + 1) parts. The MD5 of each part is computed on the way, so the stored object's
// ETag proves the store holds exactly the bytes that were hashed.
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, Writable } from 'node:stream';
import { concatOwn, KEEP_IN_MEMORY_BYTES } from './storage.js';

/** MD5s of consecutive parts of partSize bytes, as a multipart upload splits a stream. */
export class PartHasher {
  private md5: Hash = createHash('md5');
  private inPart = 0;
  readonly digests: Buffer[] = [];

  constructor(private readonly partSize: number) {}

  update(chunk: Buffer): void {
    for (let at = 0; at < chunk.length; ) {
      if (this.inPart === this.partSize) this.closePart();
      const take = Math.min(chunk.length - at, this.partSize - this.inPart);
      this.md5.update(chunk.subarray(at, at + take));
      this.inPart += take;
      at += take;
    }
  }

  private closePart(): void {
    this.digests.push(this.md5.digest());
    this.md5 = createHash('md5');
    this.inPart = 0;
  }

  /** The ETag S3 gives the object: the MD5 for one part, the MD5 of the MD5s and "-N" for more. */
  etag(): string {
    if (this.inPart > 0 || this.digests.length === 0) this.closePart();
    if (this.digests.length === 1) return this.digests[0].toString('hex');
    return `${createHash('md5').update(Buffer.concat(this.digests)).digest('hex')}-${this.digests.length}`;
  }
}

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  tempKey: string;
  partSize: number;
  queueSize: number;
}

export class S3UploadSink extends Writable {
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private body: PassThrough | null = null;
  private upload: Upload | null = null;
  private uploaded: Promise<unknown> | null = null;
  private failure: Error | null = null;
  private waiting: ((err?: Error | null) => void) | null = null;
  readonly hasher: PartHasher;
  /** Set when everything fit in memory: the caller stores it under its final name. */
  content: Uint8Array | null = null;

  constructor(private readonly t: UploadTarget) {
    super();
    this.hasher = new PartHasher(t.partSize);
  }

  /** True once the bytes went (or are going) to the temp key as a multipart upload. */
  get streamed(): boolean {
    return this.upload !== null;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.hasher.update(chunk);
    if (!this.body && this.keptBytes + chunk.length <= KEEP_IN_MEMORY_BYTES) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
      return cb();
    }
    const body = this.body ?? this.startUpload();
    if (this.failure) return cb(this.failure);
    if (body.write(chunk)) return cb();
    // Backpressure from the store: wait until the upload takes more, or fails.
    this.waiting = cb;
    body.once('drain', () => this.wake());
  }

  /** Calls the write callback that waits for drain, once, with the upload's error if it failed. */
  private wake(err?: Error): void {
    const cb = this.waiting;
    this.waiting = null;
    cb?.(err ?? null);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.body) {
      this.content = concatOwn(this.kept, this.keptBytes);
      this.kept = [];
      return cb();
    }
    this.body.end();
    this.uploaded!.then(() => cb(), cb);
  }

  private startUpload(): PassThrough {
    const body = new PassThrough();
    this.body = body;
    this.upload = new Upload({
      client: this.t.client,
      params: { Bucket: this.t.bucket, Key: this.t.tempKey, Body: body },
      partSize: this.t.partSize,
      queueSize: this.t.queueSize,
      leavePartsOnError: false,
    });
    this.uploaded = this.upload.done();
    this.uploaded.catch((err: Error) => {
      this.failure = err;
      this.wake(err);
    });
    for (const c of this.kept) body.write(c);
    this.kept = [];
    return body;
  }

  /**
   * After a failed upload: drop what was kept and fail the body, so the multipart upload stops
   * and aborts itself (its parts go). Upload.abort() would return before that abort is sent.
   */
  async discard(): Promise<void> {
    this.kept = [];
    this.content = null;
    this.body?.destroy(new Error('upload discarded'));
    await this.uploaded?.catch(() => {});
  }
}
