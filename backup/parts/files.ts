// Uploaded files part. Blobs are content-addressed (files.sha256 names blobs/<aa>/<sha> in the
// runtime's store), so the backup keeps ONE pool of blobs shared by all sets and each set copies
// only the addresses no earlier set stored. Which addresses: exactly those the database referenced
// in the dump's snapshot; the runtime deletes blobs only after `storage.blob_grace`, so each of
// them is still on disk while we copy.
import { createReadStream, mkdirSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createWriteStream } from 'node:fs';
import { BackupError } from '../../lib/errors.js';
import { blobKey, type BlobEntry, type FilesPart } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { createMeter, readObject, writeObject, type StreamCodec } from '../stream/pipeline.js';
import { pipeline } from 'node:stream/promises';

/** Where the runtime keeps a blob (runtime/core/storage.ts layout). */
export function uploadPathOf(uploadsDir: string, address: string): string {
  if (!/^[a-f0-9]{64}$/.test(address)) throw new BackupError(`part files: bad content address ${address}`, 'the files table holds a malformed sha256');
  return path.join(uploadsDir, 'blobs', address.slice(0, 2), address);
}

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export async function backupFiles(o: {
  setId: string;
  addresses: string[];
  uploadsDir: string;
  store: BackupStore;
  /** Blobs already in the pool, from earlier complete sets. */
  known: Map<string, BlobEntry>;
  codec: StreamCodec;
  onBytes?: (n: number) => void;
}): Promise<FilesPart> {
  const entries: BlobEntry[] = [];
  let newBlobs = 0;
  // PDFs are already deflate-compressed: compressing them again costs CPU for ~nothing.
  const codec: StreamCodec = { compression: 'none', key: o.codec.key };
  await runLimited(o.addresses, 4, async (address) => {
    const prior = o.known.get(address);
    if (prior && (await o.store.exists(prior.key))) {
      entries.push(prior);
      return;
    }
    const src = uploadPathOf(o.uploadsDir, address);
    await stat(src).catch(() => {
      throw new BackupError(`part files: blob ${address} is referenced by the database but missing in ${o.uploadsDir}`, 'was it deleted before storage.blob_grace? check the uploads folder');
    });
    const stored = await writeObject(o.store, blobKey(address), createReadStream(src), codec, o.onBytes);
    if (stored.plainSha256 !== address) throw new BackupError(`part files: blob ${address} does not hash to its address (got ${stored.plainSha256})`, 'the uploads folder holds a corrupt file');
    entries.push({ ...stored, address, storedBy: o.setId });
    newBlobs++;
  });
  entries.sort((a, b) => (a.address < b.address ? -1 : 1));
  return { referenced: o.addresses.length, newBlobs, files: entries };
}

async function hashFile(p: string): Promise<string | null> {
  try {
    const m = createMeter();
    await pipeline(createReadStream(p), m.stream, async function* (src) {
      for await (const _ of src) void _;
    });
    return m.result().sha256;
  } catch {
    return null;
  }
}

/** Puts every blob of the set back into the uploads folder (tmp + fsync + rename, like the runtime). */
export async function restoreFiles(o: { part: FilesPart; uploadsDir: string; store: BackupStore; codec: StreamCodec }): Promise<{ restored: number; present: number }> {
  let restored = 0;
  let present = 0;
  const tmpDir = path.join(o.uploadsDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const codec: StreamCodec = { compression: 'none', key: o.codec.key };
  await runLimited(o.part.files, 4, async (blob) => {
    const dest = uploadPathOf(o.uploadsDir, blob.address);
    if ((await hashFile(dest)) === blob.address) {
      present++;
      return;
    }
    const tmp = path.join(tmpDir, `restore-${process.pid}-${blob.address}.part`);
    try {
      const got = await readObject(o.store, blob.key, codec, createWriteStream(tmp));
      if (got.sha256 !== blob.address) throw new BackupError(`part files, file ${blob.key}: content does not match its address`, 'the set is corrupt');
      const fh = await open(tmp, 'r');
      await fh.sync();
      await fh.close();
      mkdirSync(path.dirname(dest), { recursive: true });
      await rename(tmp, dest);
      restored++;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err instanceof BackupError ? err : new BackupError(`part files, file ${blob.key}: ${(err as Error).message}`, 'the set is corrupt or the key is wrong');
    }
  });
  return { restored, present };
}
