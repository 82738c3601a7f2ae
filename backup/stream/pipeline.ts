// The streaming pipeline: source → sha256 of the plain bytes → compress → encrypt → sha256 of the
// stored bytes → store, and its reverse. Node streams with backpressure keep memory bounded
// whatever the size of the part.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BackupStore } from '../stores/types.js';
import { createCompressStream, createDecompressStream, type Compression } from './compress.js';
import { createDecryptStream, createEncryptStream } from './encrypt.js';

export interface StreamCodec {
  compression: Compression;
  /** 32-byte AES key, or null for no encryption. */
  key: Buffer | null;
}

export interface StoredObject {
  key: string;
  bytes: number;
  sha256: string;
  plainBytes: number;
  plainSha256: string;
}

export interface Meter {
  stream: Transform;
  result(): { bytes: number; sha256: string };
}

export function createMeter(onBytes?: (n: number) => void): Meter {
  const hash = createHash('sha256');
  let bytes = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _e, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      onBytes?.(chunk.length);
      cb(null, chunk);
    },
  });
  let digest: string | null = null;
  return { stream, result: () => ({ bytes, sha256: (digest ??= hash.digest('hex')) }) };
}

/** Streams a source into the store under `key`; the object appears only once complete. */
export async function writeObject(store: BackupStore, key: string, source: Readable, codec: StreamCodec, onBytes?: (n: number) => void): Promise<StoredObject> {
  const plain = createMeter(onBytes);
  const stored = createMeter();
  // The codec's streams first: one that cannot start (zstd missing) must fail before the store has
  // a half-written object to leave behind (wal-push retries every few seconds).
  const stages: (Readable | Writable | Transform)[] = [source, plain.stream, createCompressStream(codec.compression)];
  if (codec.key) stages.push(createEncryptStream(codec.key));
  const writer = await store.openWriter(key);
  stages.push(stored.stream, writer.stream);
  try {
    await pipeline(stages as unknown as [Readable, Writable]);
    await writer.commit();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { key, bytes: stored.result().bytes, sha256: stored.result().sha256, plainBytes: plain.result().bytes, plainSha256: plain.result().sha256 };
}

/** sha256 of the stored bytes: needs no key, so `verify` can run it first and cheaply. */
export async function hashObject(store: BackupStore, key: string): Promise<{ bytes: number; sha256: string }> {
  const m = createMeter();
  await pipeline(store.openReader(key), m.stream, new PassThrough().resume());
  return m.result();
}

/** Streams an object back to plain bytes into `sink`; returns the plain sha256 it saw. */
export async function readObject(store: BackupStore, key: string, codec: StreamCodec, sink: Writable): Promise<{ bytes: number; sha256: string }> {
  const plain = createMeter();
  const stages: (Readable | Writable | Transform)[] = [store.openReader(key)];
  if (codec.key) stages.push(createDecryptStream(codec.key));
  stages.push(createDecompressStream(codec.compression), plain.stream, sink);
  await pipeline(stages as unknown as [Readable, Writable]);
  return plain.result();
}
