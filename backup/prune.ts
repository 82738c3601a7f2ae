// `backup prune`: GFS decision (pure, retention.ts) applied to the store, plus removal of stale
// incomplete sets, of pool blobs no remaining set references, and of archived WAL older than the
// oldest kept base backup (wal/prune-wal.ts).
import { listSets, type SetInfo } from './catalog.js';
import type { BaseBackupInfo } from './manifest.js';
import { listArchivedWal, planWalPrune, type ArchivedWal, type WalPruneDecision } from './wal/prune-wal.js';
import { applyRetention, type RetentionDecision, type RetentionRule } from './retention.js';
import { setKey } from './manifest.js';
import type { BackupStore } from './stores/types.js';

export interface PrunePlan {
  decision: RetentionDecision;
  /** Sets without a manifest whose writer is gone. */
  incomplete: string[];
  /** Pool blobs only referenced by sets that go. */
  blobs: string[];
  wal: WalPruneDecision;
}

export function planPrune(sets: SetInfo[], rule: RetentionRule, archivedWal: ArchivedWal[] = []): PrunePlan {
  const decision = applyRetention(
    sets.map((s) => ({ id: s.id, time: s.time, complete: s.status === 'complete', verified: Boolean(s.verify?.ok) })),
    rule,
  );
  const kept = new Set(decision.keep.map((k) => k.id));
  const keepBlobs = new Set<string>();
  const dropBlobs = new Set<string>();
  for (const s of sets) {
    for (const b of s.manifest?.parts.files?.files ?? []) (kept.has(s.id) ? keepBlobs : dropBlobs).add(b.key);
  }
  const keptBases = sets.filter((s) => kept.has(s.id)).map((s) => s.manifest?.parts.postgres?.base).filter((b): b is BaseBackupInfo => Boolean(b));
  return {
    decision,
    wal: planWalPrune(keptBases, archivedWal),
    incomplete: sets.filter((s) => s.status === 'incomplete' || s.status === 'corrupt').map((s) => s.id),
    blobs: [...dropBlobs].filter((k) => !keepBlobs.has(k)).sort(),
  };
}

export async function prune(store: BackupStore, rule: RetentionRule, o: { dryRun: boolean }): Promise<PrunePlan> {
  // WAL is listed before the sets: a segment archived meanwhile is newer than every kept base's start anyway.
  const archived = await listArchivedWal(store);
  const plan = planPrune(await listSets(store), rule, archived);
  if (o.dryRun) return plan;
  // Sets first, blobs and WAL after: a crash in between leaves unreferenced objects (harmless, next
  // prune), never a set without its blobs or the WAL its base backup replays.
  for (const id of [...plan.decision.remove, ...plan.incomplete]) await store.removePrefix(setKey(id));
  for (const key of plan.blobs) await store.remove(key);
  for (const w of plan.wal.remove) await store.remove(w.key);
  return plan;
}
