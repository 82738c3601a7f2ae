// GFS retention: exact keep lists, as a pure function and through `prune --dry-run` on a real store.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSets } from '../../backup/catalog.js';
import { MANIFEST_FORMAT, sealManifest, setKey, MANIFEST_NAME, VERIFY_NAME } from '../../backup/manifest.js';
import { prune } from '../../backup/prune.js';
import { applyRetention, isoWeekKey, type RetentionCandidate } from '../../backup/retention.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { makeTempDir } from '../support/services.js';

const fx = JSON.parse(readFileSync(path.join(import.meta.dirname, '../fixtures/backup/gfs-90-daily.json'), 'utf8')) as {
  first: string;
  days: number;
  verified: string[];
  rule: { keep_last: number; daily: number; weekly: number; monthly: number };
  keep: Record<string, string[]>;
};

function history(): RetentionCandidate[] {
  return Array.from({ length: fx.days }, (_, i) => {
    const t = new Date(Date.parse(fx.first) + i * 86_400_000);
    const day = t.toISOString().slice(0, 10);
    return { id: `${day.replace(/-/g, '')}T030000Z-aaaaaa`, time: t.toISOString(), complete: true, verified: fx.verified.includes(day) };
  });
}
const dayOf = (id: string) => `${id.slice(0, 4)}-${id.slice(4, 6)}-${id.slice(6, 8)}`;

describe('GFS retention (pure)', () => {
  it('keeps exactly what the rule says on 90 daily sets', () => {
    const d = applyRetention(history(), fx.rule);
    expect(Object.fromEntries(d.keep.map((k) => [dayOf(k.id), k.reasons]))).toEqual(fx.keep);
    expect(d.remove).toHaveLength(fx.days - Object.keys(fx.keep).length);
  });

  it('never removes the newest verified set, even with the smallest rule', () => {
    const d = applyRetention(history(), { keep_last: 1, daily: 0, weekly: 0, monthly: 0 });
    expect(d.keep.map((k) => dayOf(k.id))).toEqual(['2026-11-28', '2026-10-15']);
  });

  it('ignores incomplete sets and keeps the newest set of a day', () => {
    const sets: RetentionCandidate[] = [
      { id: 'a', time: '2026-11-28T01:00:00Z', complete: true, verified: false },
      { id: 'b', time: '2026-11-28T05:00:00Z', complete: true, verified: false },
      { id: 'c', time: '2026-11-28T06:00:00Z', complete: false, verified: false },
    ];
    expect(applyRetention(sets, { keep_last: 0, daily: 1, weekly: 0, monthly: 0 })).toEqual({ keep: [{ id: 'b', reasons: ['daily'] }], remove: ['a'] });
  });

  it('numbers ISO weeks across a year boundary', () => {
    expect(isoWeekKey(new Date('2026-11-28T03:00:00Z'))).toBe('2026-W48');
    expect(isoWeekKey(new Date('2027-01-01T00:00:00Z'))).toBe('2026-W53');
    expect(isoWeekKey(new Date('2024-12-30T00:00:00Z'))).toBe('2025-W01');
  });
});

describe('prune on a local store', () => {
  const root = makeTempDir('prodctl-prune-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('--dry-run deletes nothing; a real run leaves exactly the kept sets', async () => {
    const store = createLocalStore(root);
    for (const s of history()) {
      const m = sealManifest({ format: MANIFEST_FORMAT, id: s.id, time: s.time, finishedAt: s.time, tool: { name: 'prodctl', version: 'test' }, profileHash: 'x', compression: 'none', encryption: null, parts: {}, durationMs: 1 });
      await store.writeTextAtomic(setKey(s.id, MANIFEST_NAME), JSON.stringify(m));
      if (s.verified) await store.writeTextAtomic(setKey(s.id, VERIFY_NAME), JSON.stringify({ setId: s.id, ok: true, time: s.time, durationMs: 1, problems: [], checked: {} }));
    }
    // A set killed mid-way (no manifest, writer gone): prune removes it, list never calls it complete.
    await store.writeTextAtomic(setKey('20261128T040000Z-dead00', 'started.json'), JSON.stringify({ pid: 2 ** 22 + 12345, time: '2026-11-28T04:00:00Z' }));

    const dry = await prune(store, fx.rule, { dryRun: true });
    expect(dry.decision.keep.map((k) => dayOf(k.id)).sort()).toEqual(Object.keys(fx.keep).sort());
    expect(dry.incomplete).toEqual(['20261128T040000Z-dead00']);
    expect(await store.listChildren('')).toHaveLength(fx.days + 1);

    await prune(store, fx.rule, { dryRun: false });
    const left = await listSets(store);
    expect(left.map((s) => dayOf(s.id)).sort()).toEqual(Object.keys(fx.keep).sort());
    expect(left.every((s) => s.status === 'complete')).toBe(true);
  });
});
