// Adapter: the backup state as `prodctl backup` writes it, read through the backup catalog
// (manifest.json per set, written last and self-checksummed; verify.json per verify), so the
// layout is whatever the backup module writes.
// Only complete sets count: a running, killed or corrupt set is not a backup.
import path from 'node:path';
import { listSets } from '../../backup/catalog.js';
import { MANIFEST_NAME, setKey, VERIFY_NAME } from '../../backup/manifest.js';
import { createLocalStore } from '../../backup/stores/local.js';
import type { BackupSetInfo } from './probes.js';

export async function backupSets(root: string): Promise<BackupSetInfo[]> {
  let sets;
  try {
    sets = await listSets(createLocalStore(root));
  } catch {
    return [];
  }
  return sets
    .filter((s) => s.status === 'complete' && s.manifest)
    .map((s) => ({
      id: s.id,
      dir: path.dirname(path.join(root, setKey(s.id, MANIFEST_NAME))),
      createdAt: s.manifest!.finishedAt,
      verify: s.verify ? { ok: s.verify.ok, at: s.verify.time, detail: s.verify.problems.join('; ') || undefined, file: path.join(root, setKey(s.id, VERIFY_NAME)) } : undefined,
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
