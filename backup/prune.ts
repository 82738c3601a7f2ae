// `backup prune`: GFS decision (pure, retention.ts) applied to the store, plus removal of stale
// incomplete sets and of pool blobs no remaining set references.
import { listSets, type SetInfo } from './catalog.js';
import { applyRetention, type RetentionDecision, type RetentionRule } from './retention.js';
import { setKey } from './manifest.js';
import type { BackupStore } from './stores/types.js';

export interface PrunePlan {
  decision: RetentionDecision;
  /** Sets without a manifest whose writer is gone. */
  incomplete: string[];
  /** Pool blobs only referenced by sets that go. */
  blobs: string[];
}

export function planPrune(sets: SetInfo[], rule: RetentionRule): PrunePlan {
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
  return {
    decision,
    incomplete: sets.filter((s) => s.status === 'incomplete' || s.status === 'corrupt').map((s) => s.id),
    blobs: [...dropBlobs].filter((k) => !keepBlobs.has(k)).sort(),
  };
}

export async function prune(store: BackupStore, rule: RetentionRule, o: { dryRun: boolean }): Promise<PrunePlan> {
  const plan = planPrune(await listSets(store), rule);
  if (o.dryRun) return plan;
  // Sets first, blobs after: a crash in between leaves unreferenced blobs (harmless, next prune), never a set without its blobs.
  for (const id of [...plan.decision.remove, ...plan.incomplete]) await store.removePrefix(setKey(id));
  for (const key of plan.blobs) await store.remove(key);
  return plan;
}
