// Which archived WAL `backup prune` may delete. Replay always runs forward from a base backup's
// start, and WAL positions only grow across timelines (a new timeline starts where the old one was
// switched), so a file whose segment lies before the start of the OLDEST kept base backup is needed
// by no kept set. Timeline histories are tiny and needed to follow timelines: never deleted. With no
// kept base backup there is no anchor, and nothing is deleted. Pure, plus the store listing.
import type { BaseBackupInfo } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { isArchivableName, segmentNumber, walNameOfChild, WAL_PREFIX } from './wal-names.js';

export interface ArchivedWal {
  /** Store key, e.g. wal/00000001/000000010000000000000003.zst.enc */
  key: string;
  /** The WAL file name Postgres gave it. */
  name: string;
}

export interface WalPruneDecision {
  /** The start segment of the oldest kept base backup, or null (no kept base: nothing goes). */
  keepFrom: string | null;
  remove: ArchivedWal[];
}

export function planWalPrune(keptBases: BaseBackupInfo[], archived: ArchivedWal[]): WalPruneDecision {
  if (!keptBases.length) return { keepFrom: null, remove: [] };
  const segSize = keptBases[0].walSegmentSize;
  const oldest = keptBases.map((b) => ({ wal: b.startWal, n: segmentNumber(b.startWal, segSize) })).sort((a, b) => (a.n < b.n ? -1 : a.n > b.n ? 1 : 0))[0];
  const remove = archived.filter((a) => {
    // Segments, their .partial and the .backup labels are placed by their first 24 characters.
    if (!isArchivableName(a.name) || a.name.endsWith('.history')) return false;
    return segmentNumber(a.name.slice(0, 24), segSize) < oldest.n;
  });
  return { keepFrom: oldest.wal, remove: remove.sort((a, b) => (a.key < b.key ? -1 : 1)) };
}

/** Every archived WAL object, over all timelines. */
export async function listArchivedWal(store: BackupStore): Promise<ArchivedWal[]> {
  const out: ArchivedWal[] = [];
  for (const tli of await store.listChildren(WAL_PREFIX)) {
    if (!/^[0-9A-F]{8}$/.test(tli)) continue;
    for (const child of await store.listChildren(`${WAL_PREFIX}/${tli}`)) out.push({ key: `${WAL_PREFIX}/${tli}/${child}`, name: walNameOfChild(child) });
  }
  return out;
}
