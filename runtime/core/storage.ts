// The blob store interface the API and the workers use: content-addressed blobs (the name is the
// sha256 of the bytes), written whole or not at all. Two implementations: local-store.ts (files
// under one folder) and s3-store.ts (an S3 bucket); open-store.ts picks one from the config.
import { createHash, type Hash } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';


export interface StoredBlob {
  sha256: string;
  bytes: number;
  /** The first bytes of the content, for magic-bytes checks. */
  head: Buffer;
  /**
   * The whole content when it was at most KEEP_IN_MEMORY_BYTES (uploads only), so the caller
   * need not read it back. Its ArrayBuffer is its own: the caller may transfer it to a thread.
   */
  content?: Uint8Array;
}

/** Uploads up to this size are also kept in memory until stored (one write, no read-back). */
export const KEEP_IN_MEMORY_BYTES = 1024 * 1024;

export interface BlobStore {
  /** 'local' or 's3', for logs and /readyz. */
  readonly kind: 'local' | 's3';
  /** Streams into the store; aborts with TooLargeError once more than maxBytes arrived. */
  put(source: Readable, maxBytes: number): Promise<StoredBlob>;
  putBuffer(data: Uint8Array): Promise<StoredBlob>;
  read(sha256: string): Promise<Buffer>;
  /** The blob's bytes (inclusive range); resolves once the store has answered, before any byte flows. */
  stream(sha256: string, range?: { start: number; end: number }): Promise<Readable>;
  size(sha256: string): Promise<number>;
  remove(sha256: string): Promise<void>;
  /**
   * Removes a blob unless it was (re)written within the last freshMs: content-addressed writes of
   * the same bytes land on the same name, so a fresh write means someone stored it again.
   */
  removeUnlessFresh(sha256: string, freshMs: number): Promise<'removed' | 'fresh' | 'missing'>;
  /**
   * Removes temp files of writes that never committed (a process or PDF thread killed mid-write)
   * once older than olderThanMs; returns how many went.
   */
  removeStaleTemp(olderThanMs: number): Promise<number>;
  /** Resolves when the store answers (readiness); rejects with the reason otherwise. */
  check(): Promise<void>;
  /**
   * Set when blobs are plain files under this folder (the local store): a thread that may block
   * can then read and write them itself with storage-sync.ts, the same layout and protocol.
   */
  localRoot?: string;
}

export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds ${limit} bytes`);
  }
}

/** The store cannot be reached or keeps failing (after retries): callers answer 503 and retry later. */
export class StoreUnavailableError extends Error {
  constructor(message: string, readonly retryAfterSeconds = 5) {
    super(message);
  }
}

/** A sink that can throw away what it wrote so far (temp file, unfinished upload). */
export interface DiscardableSink extends Writable {
  discard(): Promise<void>;
}

export interface MeteredUpload {
  sha256: string;
  bytes: number;
  head: Buffer;
}

/**
 * Streams `source` into `sink` while counting, hashing and keeping the first 1 KiB; fails with
 * TooLargeError past maxBytes. On failure the rest of the body is read and dropped (the client
 * then sees our error answer, not a reset) and the sink discards what it had.
 */
export async function meterInto(source: Readable, maxBytes: number, sink: DiscardableSink): Promise<MeteredUpload> {
  const hash: Hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > maxBytes) return cb(new TooLargeError(maxBytes));
      if (head.length < 1024) head = Buffer.concat([head, chunk.subarray(0, 1024 - head.length)]);
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  // The source is piped by hand, not through pipeline(): on an oversize upload pipeline() would
  // destroy the request socket and the client would never see the 413.
  const done = pipeline(meter, sink);
  const onSourceError = (err: Error) => meter.destroy(err);
  source.once('error', onSourceError);
  source.pipe(meter);
  try {
    await done;
  } catch (err) {
    source.unpipe(meter);
    source.resume();
    await sink.discard();
    throw err;
  } finally {
    source.off('error', onSourceError);
  }
  return { sha256: hash.digest('hex'), bytes, head };
}

/**
 * The chunks in one buffer of its own (never a slice of Node's shared pool, as Buffer.concat may
 * give): the caller may transfer its ArrayBuffer to a thread.
 */
export function concatOwn(chunks: Buffer[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
