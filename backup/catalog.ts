// What is in a store: every set with its status (complete = has a valid manifest) and its last
// verify record. A set without a manifest is "running" while its writer lives, else "incomplete".
import { BackupError } from '../lib/errors.js';
import { isProcessAlive } from '../lib/process-alive.js';
import { MANIFEST_NAME, parseManifest, SET_ID_PATTERN, setKey, VERIFY_NAME, type BlobEntry, type Manifest } from './manifest.js';
import type { BackupStore } from './stores/types.js';

export const STARTED_NAME = 'started.json';

export interface VerifyRecord {
  setId: string;
  ok: boolean;
  time: string;
  durationMs: number;
  problems: string[];
  checked: {
    files: number;
    tables: number;
    redisDbs: number;
    blobs: number;
    /** Blobs the restored files table points at (each must be in the set). */
    referencedBlobs?: number;
    /** Tombstoned blobs (deleted files inside their grace): not required; how many the set holds anyway. */
    tombstonedBlobs?: number;
    tombstonedIncluded?: number;
    /** Archived WAL segments in one unbroken run from the set's base backup on. */
    walSegments?: number;
  };
}

export type SetStatus = 'complete' | 'incomplete' | 'running' | 'corrupt';

export interface SetInfo {
  id: string;
  time: string;
  status: SetStatus;
  manifest: Manifest | null;
  verify: VerifyRecord | null;
  error?: string;
}

export function timeOfSetId(id: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(id);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : '';
}

export async function readSet(store: BackupStore, id: string): Promise<SetInfo> {
  const text = await store.readText(setKey(id, MANIFEST_NAME));
  const verifyText = await store.readText(setKey(id, VERIFY_NAME));
  const verify = verifyText ? (JSON.parse(verifyText) as VerifyRecord) : null;
  if (text === null) {
    const started = await store.readText(setKey(id, STARTED_NAME));
    const pid = started ? Number((JSON.parse(started) as { pid: number }).pid) : 0;
    return { id, time: timeOfSetId(id), status: pid && isProcessAlive(pid) ? 'running' : 'incomplete', manifest: null, verify };
  }
  try {
    const manifest = parseManifest(text, id);
    return { id, time: manifest.time, status: 'complete', manifest, verify };
  } catch (err) {
    return { id, time: timeOfSetId(id), status: 'corrupt', manifest: null, verify, error: (err as Error).message };
  }
}

/** All sets, oldest first. */
export async function listSets(store: BackupStore): Promise<SetInfo[]> {
  const ids = (await store.listChildren('')).filter((n) => SET_ID_PATTERN.test(n));
  return Promise.all(ids.map((id) => readSet(store, id)));
}

export async function loadCompleteSet(store: BackupStore, id?: string): Promise<Manifest> {
  const sets = await listSets(store);
  if (!id) {
    const newest = sets.filter((s) => s.status === 'complete').pop();
    if (!newest) throw new BackupError(`no complete backup set in ${store.description}`, 'run `prodctl backup` first');
    return newest.manifest!;
  }
  const set = sets.find((s) => s.id === id);
  if (!set) throw new BackupError(`backup set ${id} not found in ${store.description}`, 'see `prodctl backup list`');
  if (set.status !== 'complete') throw new BackupError(set.error ?? `backup set ${id} is ${set.status}`, 'it cannot be restored; pick a complete set from `prodctl backup list`');
  return set.manifest!;
}

/** Blobs in the shared pool, by address, from every complete set. */
export function knownBlobs(sets: SetInfo[]): Map<string, BlobEntry> {
  const known = new Map<string, BlobEntry>();
  for (const s of sets) for (const b of s.manifest?.parts.files?.files ?? []) known.set(b.address, b);
  return known;
}
