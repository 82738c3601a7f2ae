// WAL pruning: which archived files `backup prune` deletes (pure, table-driven, exact), and the same
// decision applied by `prune` to a real local folder and a real S3 bucket (the suite's Ceph RGW):
// exactly the WAL before the oldest kept base backup's start goes, with the sets retention drops.
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, MANIFEST_NAME, sealManifest, setKey, type BaseBackupInfo } from '../../backup/manifest.js';
import { prune } from '../../backup/prune.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { createS3BackupStore } from '../../backup/stores/s3.js';
import type { BackupStore } from '../../backup/stores/types.js';
import { listArchivedWal, planWalPrune, type ArchivedWal } from '../../backup/wal/prune-wal.js';
import { createTestBucket, rgwOrSkip, type TestBucket } from '../support/rgw.js';
import { makeTempDir } from '../support/services.js';

const MB16 = 16 * 1024 * 1024;

function base(startWal: string, segSize = MB16): BaseBackupInfo {
  return { format: 'tar', key: 'x', timeline: Number.parseInt(startWal.slice(0, 8), 16), startLsn: '0/0', stopLsn: '0/0', startWal, stopWal: startWal, walSegmentSize: segSize, startTime: '2026-12-07T00:00:00Z', stopTime: '2026-12-07T00:00:01Z' };
}

const arch = (...names: string[]): ArchivedWal[] => names.map((n) => ({ key: `wal/${n.slice(0, 8)}/${n}.zst.enc`, name: n }));
const names = (a: ArchivedWal[]) => a.map((x) => x.name);

const cases: { name: string; bases: BaseBackupInfo[]; archived: string[]; keepFrom: string | null; removed: string[] }[] = [
  {
    name: 'no kept base backup: no anchor, nothing goes',
    bases: [],
    archived: ['000000010000000000000001', '000000010000000000000002'],
    keepFrom: null,
    removed: [],
  },
  {
    name: 'one base: segments, partials and backup labels before its start go; history stays',
    bases: [base('000000010000000000000005')],
    archived: ['000000010000000000000003', '000000010000000000000004', '000000010000000000000004.partial', '000000010000000000000004.00000028.backup', '000000010000000000000005', '000000010000000000000005.00000028.backup', '000000010000000000000006', '00000002.history'],
    keepFrom: '000000010000000000000005',
    removed: ['000000010000000000000003', '000000010000000000000004', '000000010000000000000004.00000028.backup', '000000010000000000000004.partial'],
  },
  {
    name: 'several bases on two timelines: the oldest start by position is the cut',
    bases: [base('000000020000000000000012'), base('000000010000000000000008')],
    archived: ['000000010000000000000007', '000000010000000000000008', '000000010000000000000011', '000000020000000000000011', '000000020000000000000012', '00000002.history'],
    keepFrom: '000000010000000000000008',
    removed: ['000000010000000000000007'],
  },
  {
    name: 'a later timeline whose segments lie before the cut goes too (replay only runs forward)',
    bases: [base('000000030000000000000020')],
    archived: ['00000002000000000000001F', '000000030000000000000020', '00000003.history'],
    keepFrom: '000000030000000000000020',
    removed: ['00000002000000000000001F'],
  },
  {
    name: 'across a log boundary with 64 MiB segments (64 per log)',
    bases: [base('000000010000000100000000', 64 * 1024 * 1024)],
    archived: ['00000001000000000000003F', '000000010000000100000000', '000000010000000100000001'],
    keepFrom: '000000010000000100000000',
    removed: ['00000001000000000000003F'],
  },
  {
    name: 'what is not a WAL file name is never touched',
    bases: [base('000000010000000000000005')],
    archived: ['README', '000000010000000000000001'],
    keepFrom: '000000010000000000000005',
    removed: ['000000010000000000000001'],
  },
];

describe('WAL prune selection (pure)', () => {
  it.each(cases)('$name', ({ bases, archived, keepFrom, removed }) => {
    const d = planWalPrune(bases, arch(...archived));
    expect(d.keepFrom).toBe(keepFrom);
    expect(names(d.remove).sort()).toEqual([...removed].sort());
  });
});

// Three sets a day apart whose base backups start at segments 3, 6 and 9; WAL 1 … 12 archived.
const SETS = [
  { id: '20261205T030000Z-aaaaaa', time: '2026-12-05T03:00:00.000Z', startWal: '000000010000000000000003' },
  { id: '20261206T030000Z-bbbbbb', time: '2026-12-06T03:00:00.000Z', startWal: '000000010000000000000006' },
  { id: '20261207T030000Z-cccccc', time: '2026-12-07T03:00:00.000Z', startWal: '000000010000000000000009' },
];
const SEGMENTS = Array.from({ length: 12 }, (_, i) => `0000000100000000000000${(i + 1).toString(16).toUpperCase().padStart(2, '0')}`);

async function seedStore(store: BackupStore): Promise<void> {
  for (const s of SETS) {
    const postgres = { format: 'custom' as const, database: 'app', serverVersion: '15', files: [], tables: {}, base: { ...base(s.startWal), startTime: s.time, stopTime: s.time } };
    const m = sealManifest({ format: MANIFEST_FORMAT, id: s.id, time: s.time, finishedAt: s.time, tool: { name: 'prodctl', version: 'test' }, profileHash: 'x', compression: 'zstd', encryption: null, parts: { postgres }, durationMs: 1 });
    await store.writeTextAtomic(setKey(s.id, MANIFEST_NAME), JSON.stringify(m));
  }
  for (const n of [...SEGMENTS, '00000001.history']) await store.writeTextAtomic(`wal/${n.slice(0, 8)}/${n}.zst`, `segment ${n}`);
}

async function checkPrune(store: BackupStore): Promise<void> {
  await seedStore(store);
  const rule = { keep_last: 2, daily: 0, weekly: 0, monthly: 0 };
  const dry = await prune(store, rule, { dryRun: true });
  expect(dry.wal.keepFrom).toBe('000000010000000000000006');
  expect(names(dry.wal.remove)).toEqual(SEGMENTS.slice(0, 5));
  expect(await listArchivedWal(store)).toHaveLength(13);

  const done = await prune(store, rule, { dryRun: false });
  expect(done.decision.remove).toEqual([SETS[0].id]);
  expect(names(await listArchivedWal(store)).sort()).toEqual([...SEGMENTS.slice(5), '00000001.history'].sort());
  // A second run finds nothing more to delete: what is left is needed by a kept set.
  expect((await prune(store, rule, { dryRun: false })).wal.remove).toEqual([]);
}

describe('WAL prune on a local store', () => {
  const root = makeTempDir('prodctl-wal-prune-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  it('deletes exactly the WAL before the oldest kept base backup', () => checkPrune(createLocalStore(root)));
});

const { rgw, reason } = rgwOrSkip();
describe.skipIf(!rgw)(`WAL prune on S3 (Ceph RGW)${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  let bucket: TestBucket | undefined;
  afterAll(async () => bucket?.remove());
  it('deletes exactly the WAL before the oldest kept base backup', async () => {
    bucket = await createTestBucket(rgw!, 'walprune');
    await checkPrune(createS3BackupStore({ endpoint: rgw!.endpoint, region: rgw!.region, bucket: bucket.name, prefix: 'backups/', forcePathStyle: true, accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey }));
  }, 60_000);
});
