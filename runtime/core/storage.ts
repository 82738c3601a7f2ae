// Content-addressed file storage. Writes go to a temp file, are fsynced, then renamed into place,
// so a crash never leaves a half-written blob under a real name. Behind a small interface so an
// S3 store can follow.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredBlob {
  sha256: string;
  bytes: number;
  /** The first bytes of the content, for magic-bytes checks. */
  head: Buffer;
}

export interface BlobStore {
  /** Streams into the store; aborts with TooLargeError once more than maxBytes arrived. */
  put(source: Readable, maxBytes: number): Promise<StoredBlob>;
  putBuffer(data: Uint8Array): Promise<StoredBlob>;
  read(sha256: string): Promise<Buffer>;
  stream(sha256: string, range?: { start: number; end: number }): Readable;
  size(sha256: string): Promise<number>;
  remove(sha256: string): Promise<void>;
  /**
   * Removes a blob unless it was (re)written within the last freshMs: content-addressed writes of
   * the same bytes land on the same name, so a fresh write means someone stored it again.
   */
  removeUnlessFresh(sha256: string, freshMs: number): Promise<'removed' | 'fresh' | 'missing'>;
  pathOf(sha256: string): string;
}

export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`upload exceeds ${limit} bytes`);
  }
}

export function createLocalStore(root: string): BlobStore {
  const tmpDir = path.join(root, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const pathOf = (sha: string) => {
    if (!/^[a-f0-9]{64}$/.test(sha)) throw new Error('bad content address');
    return path.join(root, 'blobs', sha.slice(0, 2), sha);
  };

  async function commit(tmp: string, sha256: string, synced = false): Promise<void> {
    if (!synced) {
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    const dest = pathOf(sha256);
    mkdirSync(path.dirname(dest), { recursive: true });
    // Same content, same name: a concurrent duplicate write is harmless. The blob's mtime is its
    // last write, just before this commit; the sweeper reads a recent mtime as "stored again".
    await rename(tmp, dest);
    await syncDir(path.dirname(dest));
  }

  async function put(source: Readable, maxBytes: number): Promise<StoredBlob> {
    const tmp = path.join(tmpDir, `${randomUUID()}.part`);
    const hash = createHash('sha256');
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
    const done = pipeline(meter, createWriteStream(tmp, { flags: 'wx' }));
    const onSourceError = (err: Error) => meter.destroy(err);
    source.once('error', onSourceError);
    source.pipe(meter);
    try {
      await done;
    } catch (err) {
      // Discard the rest of the body instead of pausing: the client then reads our 413 instead of
      // a connection reset, and nothing more is kept in memory.
      source.unpipe(meter);
      source.resume();
      await rm(tmp, { force: true });
      throw err;
    } finally {
      source.off('error', onSourceError);
    }
    const sha256 = hash.digest('hex');
    await commit(tmp, sha256);
    return { sha256, bytes, head };
  }

  /** Worker outputs: already in memory, so one write and one fsync on the same handle, no streams. */
  async function putBuffer(data: Uint8Array): Promise<StoredBlob> {
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const sha256 = createHash('sha256').update(buf).digest('hex');
    const tmp = path.join(tmpDir, `${randomUUID()}.part`);
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(buf);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await commit(tmp, sha256, true);
    return { sha256, bytes: buf.length, head: Buffer.from(buf.subarray(0, 1024)) };
  }

  async function removeUnlessFresh(sha: string, freshMs: number): Promise<'removed' | 'fresh' | 'missing'> {
    // Move it aside first (atomic), then look: a writer committing the same content after the
    // move simply recreates the blob; one that committed before shows as fresh and is put back.
    const dest = pathOf(sha);
    const aside = path.join(tmpDir, `${sha}.${randomUUID()}.sweep`);
    try {
      await rename(dest, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
    if ((await stat(aside)).mtimeMs > Date.now() - freshMs) {
      await rename(aside, dest);
      return 'fresh';
    }
    await rm(aside, { force: true });
    return 'removed';
  }

  return {
    put,
    removeUnlessFresh,
    putBuffer,
    read: (sha) => readFile(pathOf(sha)),
    stream: (sha, range) => createReadStream(pathOf(sha), range ? { start: range.start, end: range.end } : {}),
    size: async (sha) => (await stat(pathOf(sha))).size,
    remove: (sha) => rm(pathOf(sha), { force: true }),
    pathOf,
  };
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
