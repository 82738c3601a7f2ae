// Archive and fetch single WAL files through the backup store and the backup pipeline (compress,
// then encrypt). Only the BackupStore interface is used, so every store kind archives alike.
// Push fails closed: the object is committed only after the whole file went through, and a file
// archived before is accepted again only when its content is the same (Postgres retries a push
// whose exit status it never saw).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError, WalFetchAbort } from '../../lib/errors.js';
import type { BackupStore } from '../stores/types.js';
import type { Compression } from '../stream/compress.js';
import { readObject, writeObject, type StreamCodec } from '../stream/pipeline.js';
import { isArchivableName, walKey, walNameOfChild, WAL_PREFIX } from './wal-names.js';

export type PushOutcome = 'archived' | 'already-archived';

async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(file), new Writable({ write: (c: Buffer, _e, cb) => (h.update(c), cb()) }));
  return h.digest('hex');
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

export async function pushWal(store: BackupStore, codec: StreamCodec, file: string, name: string): Promise<PushOutcome> {
  if (!isArchivableName(name)) throw new BackupError(`wal-push: ${name} is not a WAL file name`, 'archive_command must pass %p %f');
  const key = walKey(name, codec);
  if (await store.exists(key)) {
    const [local, stored] = await Promise.all([sha256OfFile(file), readObject(store, key, codec, discard()).then((r) => r.sha256)]);
    if (local === stored) return 'already-archived';
    throw new BackupError(`wal-push: ${key} is already archived with different content`, 'two clusters archive into one backup target, or the archive was tampered with; give each cluster its own target');
  }
  await writeObject(store, key, createReadStream(file), codec);
  return 'archived';
}

/** Every codec a WAL file may have been archived with: the current one first (profiles change). */
function candidateCodecs(codec: StreamCodec): StreamCodec[] {
  const kinds: Compression[] = [codec.compression, ...(['zstd', 'gzip', 'none'] as const).filter((c) => c !== codec.compression)];
  return kinds.flatMap((compression) => [{ compression, key: codec.key }, ...(codec.key ? [{ compression, key: null }] : [])]);
}

/**
 * Writes the plain WAL file to `dest` (temp name, then rename). false when it was never archived;
 * throws WalFetchAbort when it exists but cannot be read back whole.
 */
export async function fetchWal(store: BackupStore, codec: StreamCodec, name: string, dest: string): Promise<boolean> {
  if (!isArchivableName(name)) throw new WalFetchAbort(`wal-fetch: ${name} is not a WAL file name`, 'restore_command must pass %f %p');
  for (const c of candidateCodecs(codec)) {
    const key = walKey(name, c);
    let present: boolean;
    try {
      present = await store.exists(key);
    } catch (err) {
      throw new WalFetchAbort(`wal-fetch: ${store.description} cannot be read: ${(err as Error).message}`, 'bring the backup target back and restart the restore');
    }
    if (!present) continue;
    const tmp = `${dest}.prodctl-fetch`;
    try {
      await readObject(store, key, c, createWriteStream(tmp));
      renameSync(tmp, dest);
      return true;
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new WalFetchAbort(`wal-fetch: ${key}: ${(err as Error).message}`, 'the archived WAL is damaged or the key is wrong; recovery stops here rather than promote at a wrong point');
    }
  }
  return false;
}

/** Names of the archived WAL files of one timeline (8 hex digits). */
export async function listWal(store: BackupStore, timeline: string): Promise<string[]> {
  return (await store.listChildren(`${WAL_PREFIX}/${timeline}`)).map(walNameOfChild).sort();
}
