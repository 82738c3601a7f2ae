// Step one of verify and restore: every stored file hashes to the manifest's sha256. Needs no key
// and touches nothing live; the first mismatch names the part and the file.
import { BackupError } from '../lib/errors.js';
import { listManifestFiles, type Manifest, type PartName } from './manifest.js';
import type { BackupStore } from './stores/types.js';
import { keyFingerprint } from './stream/encrypt.js';
import { hashObject } from './stream/pipeline.js';

export async function checkChecksums(store: BackupStore, m: Manifest, parts?: PartName[]): Promise<number> {
  let checked = 0;
  for (const { part, file } of listManifestFiles(m)) {
    if (parts && !parts.includes(part)) continue;
    if (!(await store.exists(file.key))) throw new BackupError(`set ${m.id}: part ${part}, file ${file.key} is missing`, 'the set is damaged; use another set');
    const got = await hashObject(store, file.key);
    if (got.bytes !== file.bytes || got.sha256 !== file.sha256) {
      throw new BackupError(`set ${m.id}: part ${part}, file ${file.key} checksum mismatch (sha256 ${got.sha256.slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…)`, 'the set is damaged; nothing was changed — use another set');
    }
    checked++;
  }
  return checked;
}

export function checkKey(m: Manifest, key: Buffer | null): void {
  if (!m.encryption) return;
  if (!key) throw new BackupError(`set ${m.id} is encrypted`, 'configure backup.encryption.key_secret with the key it was made with');
  if (keyFingerprint(key) !== m.encryption.keyFingerprint) throw new BackupError(`set ${m.id} was encrypted with another key (fingerprint ${m.encryption.keyFingerprint})`, 'use the key file the set was made with');
}
