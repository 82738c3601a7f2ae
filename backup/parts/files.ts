// Uploaded files part. Blobs are content-addressed (files.sha256 names blobs/<aa>/<sha> in the
// runtime's store), so the backup keeps ONE pool of blobs shared by all sets and each set copies
// only the addresses no earlier set stored. Which addresses: exactly those the database referenced
// in the dump's snapshot; the runtime deletes blobs only after `storage.blob_grace` (tombstones,
// runtime/core/blob-sweeper.ts), so each of them is still on disk while we copy.
import { BackupError } from '../../lib/errors.js';
import { blobKey, type BlobEntry, type FilesPart } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { readObject, writeObject, type StreamCodec } from '../stream/pipeline.js';
import type { Readable, Writable } from 'node:stream';
import { createLocalBlobAccess, missingBlobError, type BlobAccess } from './blob-access.js';

/** Above this many blobs, a store with bulk transfer (Docker) moves them in one archive stream. */
const BULK_FROM = 8;

async function runLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

export function blobAccessOf(files: { uploadsDir: string; access?: BlobAccess }): BlobAccess {
  return files.access ?? createLocalBlobAccess(files.uploadsDir);
}

export async function backupFiles(o: {
  setId: string;
  addresses: string[];
  access: BlobAccess;
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
  const fresh: string[] = [];
  for (const address of o.addresses) {
    const prior = o.known.get(address);
    if (prior && (await o.store.exists(prior.key))) entries.push(prior);
    else fresh.push(address);
  }
  const storeOne = async (address: string, body: Readable) => {
    const stored = await writeObject(o.store, blobKey(address), body, codec, o.onBytes);
    if (stored.plainSha256 !== address) throw new BackupError(`part files: blob ${address} does not hash to its address (got ${stored.plainSha256})`, `the uploads folder ${o.access.where} holds a corrupt file`);
    entries.push({ ...stored, address, storedBy: o.setId });
    newBlobs++;
  };
  if (o.access.readMany && fresh.length > BULK_FROM) {
    const missing = await o.access.readMany(fresh, storeOne);
    if (missing.length) throw missingBlobError(missing[0], o.access.where);
  } else {
    await runLimited(fresh, 4, async (address) => storeOne(address, await o.access.open(address)));
  }
  entries.sort((a, b) => (a.address < b.address ? -1 : 1));
  return { referenced: o.addresses.length, newBlobs, files: entries };
}

/** Puts every blob of the set back (each one verified against its address before it appears). */
export async function restoreFiles(o: { part: FilesPart; access: BlobAccess; store: BackupStore; codec: StreamCodec }): Promise<{ restored: number; present: number }> {
  const codec: StreamCodec = { compression: 'none', key: o.codec.key };
  const onDisk = await o.access.hashAll(o.part.files.map((b) => b.address));
  const todo = o.part.files.filter((b) => onDisk.get(b.address) !== b.address);
  const fill = (key: string) => async (sink: Writable) => (await readObject(o.store, key, codec, sink)).sha256;
  try {
    if (o.access.putMany && todo.length > BULK_FROM) {
      const keys = new Map(todo.map((b) => [b.address, b.key]));
      await o.access.putMany(todo.map((b) => ({ address: b.address, bytes: b.plainBytes })), (address, sink) => fill(keys.get(address)!)(sink));
    } else {
      await runLimited(todo, 4, async (blob) => {
        try {
          await o.access.put(blob.address, blob.plainBytes, fill(blob.key));
        } catch (err) {
          throw new BackupError(`file ${blob.key}: ${(err as Error).message}`, '');
        }
      });
    }
  } catch (err) {
    throw new BackupError(`part files, ${(err as Error).message}`, 'the set is corrupt or the key is wrong');
  }
  return { restored: todo.length, present: o.part.files.length - todo.length };
}
