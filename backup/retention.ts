// GFS retention as a pure function: which complete sets to keep and why. No I/O, no clock —
// the caller passes the sets; tests check exact keep lists.

export interface RetentionRule {
  keep_last: number;
  daily: number;
  weekly: number;
  monthly: number;
}

export interface RetentionCandidate {
  id: string;
  /** ISO time the set was taken. */
  time: string;
  complete: boolean;
  verified: boolean;
}

export type KeepReason = 'last' | 'daily' | 'weekly' | 'monthly' | 'newest-verified';

export interface RetentionDecision {
  keep: { id: string; reasons: KeepReason[] }[];
  remove: string[];
}

const dayKey = (d: Date) => d.toISOString().slice(0, 10);
const monthKey = (d: Date) => d.toISOString().slice(0, 7);

/** ISO-8601 week key (UTC), e.g. 2026-W48: weeks start on Monday, week 1 holds the first Thursday. */
export function isoWeekKey(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const dow = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - dow); // the Thursday of this week decides the year
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Newest set of each of the `count` most recent buckets that hold a set (restic/pgBackRest style). */
function pickPerBucket(sorted: RetentionCandidate[], count: number, keyOf: (d: Date) => string): string[] {
  const picked: string[] = [];
  const seen = new Set<string>();
  for (const s of sorted) {
    if (picked.length >= count) break;
    const k = keyOf(new Date(s.time));
    if (seen.has(k)) continue;
    seen.add(k);
    picked.push(s.id);
  }
  return picked;
}

/**
 * Applies keep-last, daily, weekly and monthly to the complete sets. Incomplete sets are never
 * kept by the rule (they cannot be restored); the caller decides whether they are stale. The
 * newest verified set is always kept, whatever the rule says.
 */
export function applyRetention(sets: RetentionCandidate[], rule: RetentionRule): RetentionDecision {
  const complete = sets.filter((s) => s.complete).sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || (a.id < b.id ? 1 : -1));
  const reasons = new Map<string, KeepReason[]>();
  const add = (ids: string[], reason: KeepReason) => {
    for (const id of ids) reasons.set(id, [...(reasons.get(id) ?? []), reason]);
  };
  add(complete.slice(0, rule.keep_last).map((s) => s.id), 'last');
  add(pickPerBucket(complete, rule.daily, dayKey), 'daily');
  add(pickPerBucket(complete, rule.weekly, isoWeekKey), 'weekly');
  add(pickPerBucket(complete, rule.monthly, monthKey), 'monthly');
  const newestVerified = complete.find((s) => s.verified);
  if (newestVerified) add([newestVerified.id], 'newest-verified');
  return {
    keep: complete.filter((s) => reasons.has(s.id)).map((s) => ({ id: s.id, reasons: reasons.get(s.id)! })),
    remove: complete.filter((s) => !reasons.has(s.id)).map((s) => s.id),
  };
}
