// The local blob store: content-addressed files under one folder. Writes go to a temp file, are
// fsynced, then renamed into place, so a crash never leaves a half-written blob under a real name.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { access, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { BLOB_DIR_MODE, BLOB_FILE_MODE, blobPathOf, newTempPath, tempDirOf } from './blob-layout.js';
import { concatOwn, KEEP_IN_MEMORY_BYTES, meterInto, type BlobStore, type StoredBlob } from './storage.js';

export interface LocalBlobStore extends BlobStore {
  pathOf(sha256: string): string;
  localRoot: string;
}

/** The folder of the store and how a written temp file becomes a blob. */
interface StoreContext {
  root: string;
  tmpDir: string;
  pathOf(sha256: string): string;
  commit(tmp: string, sha256: string): Promise<void>;
}

export function createLocalStore(root: string): LocalBlobStore {
  const tmpDir = tempDirOf(root);
  mkdirSync(tmpDir, { recursive: true, mode: BLOB_DIR_MODE });
  const pathOf = (sha: string) => blobPathOf(root, sha);
  const c: StoreContext = { root, tmpDir, pathOf, commit: createCommit(pathOf) };
  return {
    kind: 'local',
    put: (source, maxBytes) => putStream(c, source, maxBytes),
    putBuffer: (data) => putBuffer(c, data),
    removeUnlessFresh: (sha, freshMs) => removeUnlessFresh(c, sha, freshMs),
    removeStaleTemp: (olderThanMs) => removeStaleTemp(c, olderThanMs),
    read: (sha) => readFile(pathOf(sha)),
    stream: async (sha, range) => createReadStream(pathOf(sha), range ? { start: range.start, end: range.end } : {}),
    size: async (sha) => (await stat(pathOf(sha))).size,
    remove: (sha) => rm(pathOf(sha), { force: true }),
    check: () => access(path.join(root, 'tmp')),
    pathOf,
    localRoot: root,
  };
}

/** Moves a written and fsynced temp file to its content address and makes the rename durable. */
function createCommit(pathOf: (sha: string) => string): StoreContext['commit'] {
  // The 256 two-hex-digit folders under blobs/ are made once per process, not once per write;
  // commit() makes one again if it went away meanwhile (e.g. a restore moved blobs/ into place).
  const madeDirs = new Set<string>();
  function ensureDir(dir: string): void {
    if (madeDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: BLOB_DIR_MODE });
    madeDirs.add(dir);
  }
  return async function commit(tmp, sha256) {
    const dest = pathOf(sha256);
    const dir = path.dirname(dest);
    ensureDir(dir);
    // Same content, same name: a concurrent duplicate write is harmless. The blob's mtime is its
    // last write, just before this commit; the sweeper reads a recent mtime as "stored again".
    try {
      await rename(tmp, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      madeDirs.delete(dir);
      ensureDir(dir);
      await rename(tmp, dest);
    }
    await syncDir(dir);
  };
}

async function putStream(c: StoreContext, source: Readable, maxBytes: number): Promise<StoredBlob> {
  const tmp = newTempPath(c.root);
  const sink = new BlobSink(tmp);
  const { sha256, bytes, head } = await meterInto(source, maxBytes, sink);
  await c.commit(tmp, sha256);
  return { sha256, bytes, head, ...(sink.content ? { content: sink.content } : {}) };
}

/** Worker outputs: already in memory, so one write and one fsync on the same handle, no streams. */
async function putBuffer(c: StoreContext, data: Uint8Array): Promise<StoredBlob> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const sha256 = createHash('sha256').update(buf).digest('hex');
  const tmp = newTempPath(c.root);
  const fh = await open(tmp, 'wx', BLOB_FILE_MODE);
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await c.commit(tmp, sha256);
  return { sha256, bytes: buf.length, head: Buffer.from(buf.subarray(0, 1024)) };
}

async function removeUnlessFresh(c: StoreContext, sha: string, freshMs: number): Promise<'removed' | 'fresh' | 'missing'> {
  // Move it aside first (atomic), then look: a writer committing the same content after the
  // move simply recreates the blob; one that committed before shows as fresh and is put back.
  const dest = c.pathOf(sha);
  const aside = path.join(c.tmpDir, `${sha}.${randomUUID()}.sweep`);
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

async function removeStaleTemp(c: StoreContext, olderThanMs: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(c.tmpDir)) {
    if (!name.endsWith('.part')) continue; // .sweep files are blobs moved aside: never guessed at
    const file = path.join(c.tmpDir, name);
    const st = await stat(file).catch(() => null); // committed (renamed) meanwhile
    if (!st || st.mtimeMs > Date.now() - olderThanMs) continue;
    await rm(file, { force: true });
    removed++;
  }
  return removed;
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Where an upload's bytes go: kept in memory up to KEEP_IN_MEMORY_BYTES and written with one
 * write at the end, or spilled to the temp file once larger. Either way one descriptor opens,
 * writes, fsyncs and closes the file (a second open only to fsync costs thread-pool round trips
 * per upload, and a burst of uploads queues on that pool).
 */
class BlobSink extends Writable {
  private kept: Buffer[] = [];
  private keptBytes = 0;
  private fh: FileHandle | null = null;
  private opened = false;
  /** The write in flight, so discard() never races an open() still on its way. */
  private busy: Promise<void> | null = null;
  content: Uint8Array | null = null;

  constructor(private readonly tmp: string) {
    super();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.fh && this.keptBytes + chunk.length <= KEEP_IN_MEMORY_BYTES) {
      this.kept.push(chunk);
      this.keptBytes += chunk.length;
      return cb();
    }
    this.busy = this.spill(chunk);
    this.busy.then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.busy = this.finish();
    this.busy.then(() => cb(), cb);
  }

  private async open(): Promise<FileHandle> {
    this.opened = true;
    this.fh = await open(this.tmp, 'wx', BLOB_FILE_MODE);
    return this.fh;
  }

  private async spill(chunk: Buffer): Promise<void> {
    const fh = this.fh ?? (await this.open());
    if (this.kept.length) {
      await fh.writev(this.kept);
      this.kept = [];
    }
    await fh.write(chunk);
  }

  private async finish(): Promise<void> {
    if (!this.fh) {
      // Copied into a buffer of its own (not a slice of Node's shared pool), written in one go.
      const content = concatOwn(this.kept, this.keptBytes);
      this.kept = [];
      const fh = await this.open();
      await fh.write(content);
      this.content = content;
    }
    const fh = this.fh!;
    await fh.sync();
    this.fh = null;
    await fh.close();
  }

  /** After a failed upload: close and remove the temp file, if it was made. */
  async discard(): Promise<void> {
    this.kept = [];
    this.content = null;
    await this.busy?.catch(() => {});
    const fh = this.fh;
    this.fh = null;
    await fh?.close().catch(() => {});
    if (this.opened) await rm(this.tmp, { force: true });
  }
}
