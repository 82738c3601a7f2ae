// The local store's read and durable write as blocking calls, for threads that exist to block:
// a PDF thread runs one task at a time, so a plain syscall there costs nothing but the syscall.
// On the main thread each fs call of the async store is a thread-pool round trip (a wake-up, a
// promise, a context switch); for one job's input read and output write that was 1.9–2.0 ms of
// process CPU against 0.7–1.0 ms blocking (3 KB PDFs, 1,500 iterations each, measured alone).
// Same layout and same commit protocol as storage.ts: temp file, fsync, rename, fsync the folder.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { BLOB_DIR_MODE, BLOB_FILE_MODE, blobPathOf, newTempPath } from './blob-layout.js';

export interface SyncStoredBlob {
  sha256: string;
  bytes: number;
}

export function readBlobSync(root: string, sha256: string): Buffer {
  return readFileSync(blobPathOf(root, sha256));
}

/** Stores bytes under their sha256; when this returns, the blob and its name are on disk. */
export function putBlobSync(root: string, data: Uint8Array): SyncStoredBlob {
  const sha256 = createHash('sha256').update(data).digest('hex');
  const tmp = newTempPath(root);
  const fd = openSync(tmp, 'wx', BLOB_FILE_MODE);
  try {
    for (let off = 0; off < data.byteLength; ) off += writeSync(fd, data, off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  const dest = blobPathOf(root, sha256);
  const dir = path.dirname(dest);
  // The folder may not exist yet (first blob of its prefix) or may have gone (a restore moved
  // blobs/ into place): make it and try once more.
  try {
    renameSync(tmp, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true, mode: BLOB_DIR_MODE });
    renameSync(tmp, dest);
  }
  const dfd = openSync(dir, 'r');
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
  return { sha256, bytes: data.byteLength };
}
