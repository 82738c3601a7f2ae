// Point-in-time restore end to end, with real Postgres archiving through `prodctl wal-push` exactly
// as the native target configures it: rows written continuously, a time T, more rows and a dropped
// table, `prodctl restore --to-time T` → every row acknowledged before T and none sent after, the
// table back. Then the recovery point when the host dies (kill -9), a refusal, and verify finding a
// removed segment.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { parseDuration } from '../../profile/units.js';
import { withPg } from './clients.js';
import { killTree, makePitrEnv, repo, startArchivingPostgres, startWriter, waitArchived, type PitrEnv } from './pitr-support.js';

// Short enough to keep the test quick; PRODCTL_PITR_ARCHIVE_TIMEOUT=60s measures the production default.
const ARCHIVE_TIMEOUT = process.env.PRODCTL_PITR_ARCHIVE_TIMEOUT ?? '4s';
const timeoutMs = parseDuration(ARCHIVE_TIMEOUT);
let env: PitrEnv;
let server: LocalPostgres;
const started: LocalPostgres[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startOn(dataDir: string): Promise<LocalPostgres> {
  const s = await startPostgres({ dataDir, settings: { archive_mode: 'off' }, logFile: path.join(env.dir, `${path.basename(dataDir)}.log`) });
  started.push(s);
  return s;
}

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'dist/cli/run-restore-pitr.js'))) await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo });
  env = makePitrEnv(ARCHIVE_TIMEOUT);
  server = await startArchivingPostgres(env);
  await withPg(server.connectionString(), async (c) => {
    await c.query('CREATE DATABASE app');
    // `prodctl status` reaches Postgres as the profile's role, through the native endpoints file.
    await c.query('CREATE ROLE pdfsvc LOGIN');
    await c.query('CREATE DATABASE pdfsvc OWNER pdfsvc');
  });
  mkdirSync(path.join(env.state, 'native'), { recursive: true });
  writeFileSync(path.join(env.state, 'native/endpoints.json'), JSON.stringify({ postgres: { host: server.host, port: server.port } }));
  await withPg(server.connectionString('app'), async (c) => {
    await c.query('CREATE TABLE ticks (id serial PRIMARY KEY, sent_at timestamptz NOT NULL)');
    await c.query("CREATE TABLE accounts AS SELECT g AS id, 'user ' || g AS name FROM generate_series(1, 500) g");
  });
});

afterAll(async () => {
  for (const s of [server, ...started]) await s?.stop().catch(() => {});
  if (env) rmSync(env.dir, { recursive: true, force: true });
});

describe('point-in-time restore (native archiving, real Postgres)', () => {
  const live = () => ['--pg-url', server.connectionString('app')];

  it('restore --to-time T brings back every row committed before T, none after, and the dropped table', async () => {
    const backup = JSON.parse((await env.cli(['--json', 'backup', '--parts', 'postgres', '--no-verify', ...live()])).stdout);
    expect(backup.parts).toEqual(['postgres']);
    const list = JSON.parse((await env.cli(['--json', 'backup', 'list'])).stdout);
    expect(list[0].status).toBe('complete');

    const writer = startWriter(server.connectionString('app'), 20);
    await sleep(3000);
    const T = new Date();
    await sleep(2000);
    await withPg(server.connectionString('app'), (c) => c.query('DROP TABLE accounts'));
    await sleep(300);
    await writer.stop();
    const dropWal = await withPg(server.connectionString('app'), async (c) => {
      const w = (await c.query<{ w: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS w')).rows[0].w;
      // archive_timeout switches the segment by itself; nothing here forces it.
      await waitArchived(c, w, timeoutMs * 3 + 10_000);
      return w;
    });
    expect(dropWal).toMatch(/^[0-9A-F]{24}$/);
    const status = JSON.parse((await env.cli(['--json', 'status'], { reject: false })).stdout);
    expect(status.walArchive.lastArchivedWal >= dropWal).toBe(true);
    expect(status.walArchive.ageSeconds).toBeLessThanOrEqual(timeoutMs / 1000 * 3 + 10);
    expect(status.walArchive.lagLimitSeconds).toBe((timeoutMs / 1000) * 3);

    const t0 = Date.now();
    const out = path.join(env.dir, 'restored-T');
    const r = JSON.parse((await env.cli(['--json', '--yes', 'restore', '--to-time', T.toISOString(), '--data-dir', out])).stdout);
    const restoreMs = Date.now() - t0;
    expect(r.setId).toBe(backup.id);
    expect(r.timeline).toBe(2);
    const restored = await startOn(out);
    const ids = await withPg(restored.connectionString('app'), async (c) => (await c.query<{ id: number }>('SELECT id FROM ticks ORDER BY id')).rows.map((x) => x.id));
    const accounts = await withPg(restored.connectionString('app'), async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts')).rows[0].n);
    const before = writer.ticks.filter((t) => t.ackAt < T.getTime()).map((t) => t.id);
    const after = writer.ticks.filter((t) => t.sentAt > T.getTime()).map((t) => t.id);
    const got = new Set(ids);
    expect(before.length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(20);
    expect(before.filter((id) => !got.has(id))).toEqual([]);
    expect(after.filter((id) => got.has(id))).toEqual([]);
    // The only rows not classified are the one or two in flight at T.
    expect(ids.length - before.length).toBeLessThanOrEqual(1);
    expect(accounts).toBe(500);
    console.log(`PITR to T: ${before.length} rows before T all back, ${after.length} after T absent, accounts back (500 rows); restore took ${restoreMs} ms (${r.durationMs} ms inside), stopped at: ${r.stoppedAt}`);
  });

  it('refuses a time before the first base backup, naming it', async () => {
    const r = await env.cli(['--yes', 'restore', '--to-time', '2020-01-01T00:00:00Z', '--data-dir', path.join(env.dir, 'never')], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no base backup finished before 2020-01-01T00:00:00.000Z \(the oldest finished at 20\d\d-/);
    expect(existsSync(path.join(env.dir, 'never'))).toBe(false);
  });

  it('the host dies (kill -9): restore --latest loses at most archive_timeout of writes', async () => {
    await env.cli(['backup', '--parts', 'postgres', '--no-verify', ...live()]);
    // Steady state: the segments the backup switched out are archived before the clock starts.
    await withPg(server.connectionString('app'), async (c) => waitArchived(c, (await c.query<{ w: string }>('SELECT pg_walfile_name(pg_current_wal_lsn() - 16777216::numeric) AS w')).rows[0].w, timeoutMs * 3 + 30_000));
    // What one push costs here (a Node start, the profile, one segment): the archiver's delay on top of archive_timeout.
    const seg = readdirSync(path.join(env.dir, 'pgdata/pg_wal')).filter((n) => /^[0-9A-F]{24}$/.test(n))[0];
    const p0 = Date.now();
    await env.cli(['wal-push', path.join(env.dir, 'pgdata/pg_wal', seg), seg, '--to', path.join(env.dir, 'push-probe')]);
    const pushMs = Date.now() - p0;
    const writer = startWriter(server.connectionString('app'), 20);
    // Run long enough for several archive_timeout switches, then die at an arbitrary moment.
    await sleep(timeoutMs * 2 + Math.floor(Math.random() * timeoutMs));
    const killedAt = Date.now();
    killTree(server.process!.pid!);
    await writer.stop();
    const acked = writer.ticks;
    const out = path.join(env.dir, 'restored-latest');
    const t0 = Date.now();
    const r = JSON.parse((await env.cli(['--json', '--yes', 'restore', '--latest', '--data-dir', out])).stdout);
    const restoreMs = Date.now() - t0;
    const restored = await startOn(out);
    const maxId = await withPg(restored.connectionString('app'), async (c) => (await c.query<{ m: number }>('SELECT max(id)::int AS m FROM ticks')).rows[0].m);
    const kept = acked.filter((t) => t.id <= maxId);
    const lost = acked.filter((t) => t.id > maxId);
    const lastKeptAck = kept.length ? kept[kept.length - 1].ackAt : 0;
    const lostSeconds = (killedAt - lastKeptAck) / 1000;
    console.log(`RPO with archive_timeout ${ARCHIVE_TIMEOUT}: ${lost.length} of ${acked.length} acknowledged rows lost, the last ${lostSeconds.toFixed(2)} s of writes (one wal-push took ${pushMs} ms); restore --latest took ${restoreMs} ms`);
    expect(kept.length).toBeGreaterThan(0);
    // The bound: archive_timeout, plus the push of the segment switched at that moment (measured
    // above), plus 1 s for the archiver to wake up and the writer's own round trip.
    expect(lostSeconds).toBeLessThanOrEqual((timeoutMs + pushMs + 1000) / 1000);
    // Rows lost are only the newest ones: every acknowledged row up to the restored maximum is there.
    const ids = await withPg(restored.connectionString('app'), async (c) => new Set((await c.query<{ id: number }>('SELECT id FROM ticks')).rows.map((x) => x.id)));
    expect(kept.filter((t) => !ids.has(t.id))).toEqual([]);
  }, timeoutMs * 4 + 120_000);

  it('backup prune deletes the archived WAL before the oldest kept base backup; verify still passes', async () => {
    const tliDir = path.join(env.dir, 'backups/wal/00000001');
    const segs = () => readdirSync(tliDir).filter((n) => /^[0-9A-F]{24}\./.test(n)).map((n) => n.slice(0, 24)).sort();
    const before = segs();
    const keepLast1 = ['--set', 'backup.retention.keep_last=1', '--set', 'backup.retention.daily=0'];
    const r = JSON.parse((await env.cli([...keepLast1, '--json', 'backup', 'prune'])).stdout);
    expect(r.remove).toHaveLength(1);
    const list = JSON.parse((await env.cli(['--json', 'backup', 'list'])).stdout) as { id: string }[];
    expect(list).toHaveLength(1);
    const kept = JSON.parse(readFileSync(path.join(env.dir, 'backups', list[0].id, 'manifest.json'), 'utf8')).parts.postgres.base;
    expect(r.wal.keepFrom).toBe(kept.startWal);
    const after = segs();
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((n) => n >= kept.startWal)).toBe(true);
    expect(before.filter((n) => n < kept.startWal)).toHaveLength(r.wal.removed);
    expect(r.wal.removed).toBeGreaterThan(0);
    const ok = JSON.parse((await env.cli(['--json', 'backup', 'verify'])).stdout);
    expect(ok.ok).toBe(true);
    console.log(`WAL prune: ${r.wal.removed} of ${before.length} archived segments deleted (before ${kept.startWal}); verify ok with ${ok.checked.walSegments} segments in the chain`);
  });

  it('backup verify reports the first gap when an archived segment is removed', async () => {
    const ok = JSON.parse((await env.cli(['--json', 'backup', 'verify'])).stdout);
    expect(ok.ok).toBe(true);
    expect(ok.checked.walSegments).toBeGreaterThan(2);
    const manifest = JSON.parse(readFileSync(path.join(env.dir, 'backups', ok.setId, 'manifest.json'), 'utf8'));
    const stopWal: string = manifest.parts.postgres.base.stopWal;
    const tliDir = path.join(env.dir, 'backups/wal/00000001');
    // A segment replay past this set's base backup needs, with later ones archived after it.
    const after = readdirSync(tliDir).filter((n) => /^[0-9A-F]{24}\.zst\.enc$/.test(n) && n.slice(0, 24) > stopWal).sort();
    expect(after.length).toBeGreaterThanOrEqual(2);
    const victim = after[0];
    rmSync(path.join(tliDir, victim));
    const bad = await env.cli(['--json', 'backup', 'verify'], { reject: false });
    expect(bad.exitCode).toBe(1);
    const rec = JSON.parse(bad.stdout);
    expect(rec.ok).toBe(false);
    expect(rec.problems.join('\n')).toContain(`first gap on timeline 1: ${victim.slice(0, 24)} is missing`);
  });
});
