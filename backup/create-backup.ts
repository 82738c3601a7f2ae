// One backup set: postgres (gives the referenced blobs) → files → redis → manifest, LAST and
// atomic. Until the manifest exists the set is "running" or "incomplete" and nothing restores it.
import { randomBytes } from 'node:crypto';
import { BackupError } from '../lib/errors.js';
import { knownBlobs, listSets, STARTED_NAME } from './catalog.js';
import { MANIFEST_FORMAT, MANIFEST_NAME, newSetId, sealManifest, setKey, type Manifest } from './manifest.js';
import { backupFiles, blobAccessOf } from './parts/files.js';
import { backupPostgres } from './parts/postgres.js';
import { takeBaseBackup } from './parts/pg-basebackup.js';
import { backupRedis } from './parts/redis.js';
import type { BackupSources, ProgressEvent } from './sources.js';
import type { BackupStore } from './stores/types.js';
import { compressionSuffix } from './stream/compress.js';
import { keyFingerprint } from './stream/encrypt.js';
import type { StreamCodec } from './stream/pipeline.js';

export interface CreateBackupOptions {
  store: BackupStore;
  sources: BackupSources;
  codec: StreamCodec;
  profileHash: string;
  toolVersion: string;
  now?: () => Date;
  onProgress?: (e: ProgressEvent) => void;
}

function partFileName(part: 'postgres' | 'redis', codec: StreamCodec): string {
  const base = part === 'postgres' ? 'postgres.dump' : 'redis.rdb';
  return `${base}${compressionSuffix(codec.compression)}${codec.key ? '.enc' : ''}`;
}

export async function createBackup(o: CreateBackupOptions): Promise<Manifest> {
  const now = o.now ?? (() => new Date());
  const started = now();
  const id = newSetId(started, randomBytes(3).toString('hex'));
  const progress = o.onProgress ?? (() => {});
  const s = o.sources;
  if (!s.postgres && !s.redis && !s.files) throw new BackupError('nothing to back up', 'pass at least one part');
  await o.store.writeTextAtomic(setKey(id, STARTED_NAME), JSON.stringify({ pid: process.pid, time: started.toISOString() }));
  const parts: Manifest['parts'] = {};
  let referenced: string[] | null = null;

  if (s.postgres) {
    progress({ part: 'postgres', phase: 'start' });
    const r = await backupPostgres({ ...s.postgres, store: o.store, key: setKey(id, partFileName('postgres', o.codec)), codec: o.codec, onBytes: (n) => progress({ part: 'postgres', phase: 'bytes', bytes: n }) });
    parts.postgres = r.part;
    referenced = r.referencedBlobs;
    if (s.postgres.baseBackup) {
      const b = await takeBaseBackup({ conn: s.postgres.baseBackupConn ?? s.postgres.conn, store: o.store, key: setKey(id, `postgres.base.tar${compressionSuffix(o.codec.compression)}${o.codec.key ? '.enc' : ''}`), codec: o.codec, onBytes: (n) => progress({ part: 'postgres', phase: 'bytes', bytes: n }) });
      parts.postgres = { ...r.part, files: [...r.part.files, b.file], base: b.info };
    }
    progress({ part: 'postgres', phase: 'done' });
  }
  if (s.files) {
    progress({ part: 'files', phase: 'start' });
    const sets = await listSets(o.store);
    const access = blobAccessOf(s.files);
    parts.files = await backupFiles({
      setId: id,
      // Without a database to ask, every blob in the uploads folder is referenced.
      addresses: referenced ?? (await access.list()),
      access,
      store: o.store,
      known: knownBlobs(sets),
      codec: o.codec,
      onBytes: (n) => progress({ part: 'files', phase: 'bytes', bytes: n }),
    });
    progress({ part: 'files', phase: 'done' });
  }
  if (s.redis) {
    progress({ part: 'redis', phase: 'start' });
    parts.redis = await backupRedis({ ...s.redis, store: o.store, key: setKey(id, partFileName('redis', o.codec)), codec: o.codec });
    progress({ part: 'redis', phase: 'done' });
  }

  const finished = now();
  const manifest = sealManifest({
    format: MANIFEST_FORMAT,
    id,
    time: started.toISOString(),
    finishedAt: finished.toISOString(),
    tool: { name: 'prodctl', version: o.toolVersion },
    profileHash: o.profileHash,
    compression: o.codec.compression,
    encryption: o.codec.key ? { cipher: 'aes-256-gcm-chunked', keyFingerprint: keyFingerprint(o.codec.key) } : null,
    parts,
    durationMs: finished.getTime() - started.getTime(),
  });
  await o.store.writeTextAtomic(setKey(id, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  await o.store.remove(setKey(id, STARTED_NAME));
  progress({ part: 'manifest', phase: 'done' });
  return manifest;
}
