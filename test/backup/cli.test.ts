// The CLI end to end (built dist/, as users run it): backup, list, verify, prune --dry-run,
// schedule, restore refusal without --yes, and must-show 3: `kill -9` mid-backup leaves no set
// that `backup list` shows as complete.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPg } from './clients.js';
import { prepareBackupCliDir } from './cli-fixture.js';
import { makeTempDir, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '../support/services.js';

const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/prodctl.js');
let pgs: TestPostgres;
let rds: TestRedis;
let dir: string;
let live: string[];

async function cli(args: string[], opts: { reject?: boolean } = {}) {
  return execa('node', [bin, '-f', path.join(dir, 'prodctl.yaml'), '--state-dir', path.join(dir, 'state'), ...args], { reject: opts.reject ?? true, env: { NO_COLOR: '1' } });
}

beforeAll(async () => {
  if (!existsSync(path.join(repo, 'dist/cli/run-backup.js'))) await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo, reject: false });
  [pgs, rds] = await Promise.all([startTestPostgres(), startTestRedis()]);
  dir = makeTempDir('prodctl-backup-cli-');
  live = await prepareBackupCliDir(dir, pgs, rds);
});

afterAll(async () => {
  await Promise.all([pgs?.cleanup(), rds?.cleanup()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('prodctl backup CLI', () => {
  it('kill -9 mid-backup leaves no set that `backup list` shows as complete', async () => {
    const child = spawn('node', [bin, '-f', path.join(dir, 'prodctl.yaml'), '--state-dir', path.join(dir, 'state'), 'backup', '--json', ...live], { stdio: 'ignore' });
    // Listened for from the start: the kill below is followed by a 10 ms sleep, and the exit event
    // of a process killed meanwhile is not replayed to a listener added later.
    const exited = new Promise((r) => child.once('exit', r));
    const backups = path.join(dir, 'backups');
    const deadline = Date.now() + 60_000;
    let killedDuring = '';
    while (Date.now() < deadline && !killedDuring) {
      for (const id of existsSync(backups) ? readdirSync(backups) : []) {
        const part = (existsSync(path.join(backups, id)) ? readdirSync(path.join(backups, id)) : []).find((f) => f.startsWith('postgres') && f.includes('.part-'));
        // Kill once the dump is streaming (some encrypted bytes are already on disk).
        if (part && (statSync(path.join(backups, id, part), { throwIfNoEntry: false })?.size ?? 0) > 64 * 1024) {
          child.kill('SIGKILL');
          killedDuring = `${id}/${part}`;
        }
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(killedDuring).toMatch(/postgres\.dump\.zst\.enc\.part-/);
    await exited;
    const list = JSON.parse((await cli(['--json', 'backup', 'list'])).stdout) as { id: string; status: string; complete: boolean }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ status: 'incomplete', complete: false });
    const text = (await cli(['backup', 'list'])).stdout;
    expect(text).toMatch(/incomplete/);
    expect(text).not.toMatch(/complete, not verified|verified/);
    // restore and verify refuse it
    const r = await cli(['--yes', 'restore', list[0].id, ...live], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/is incomplete/);
  });

  it('backs up, lists, verifies, and prune --dry-run explains what it keeps', async () => {
    const run = await cli(['--json', 'backup', '--verify', ...live]);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ parts: ['postgres', 'files', 'redis'], tables: 1, rows: 400000, encrypted: true, compression: 'zstd' });
    expect(summary.verify.ok).toBe(true);
    expect(summary.storedBytes).toBeLessThan(summary.plainBytes);
    const prom = readFileSync(path.join(dir, 'state/textfile/prodctl_backup.prom'), 'utf8');
    expect(prom).toMatch(/^prodctl_backup_last_verify_ok 1$/m);
    expect(prom).toMatch(new RegExp(`^prodctl_backup_last_success_timestamp_seconds ${Math.floor(Date.parse(summary.time) / 1000 / 100)}\\d\\d$`, 'm'));

    const list = JSON.parse((await cli(['--json', 'backup', 'list'])).stdout) as { id: string; status: string; verified: { ok: boolean } | null }[];
    expect(list.map((s) => s.status)).toEqual(['complete', 'incomplete']);
    expect(list[0].verified?.ok).toBe(true);

    const dry = JSON.parse((await cli(['--json', 'backup', 'prune', '--dry-run'])).stdout);
    expect(dry.keep).toEqual([{ id: summary.id, reasons: ['last', 'daily', 'newest-verified'] }]);
    expect(dry.incomplete).toHaveLength(1);
    expect(readdirSync(path.join(dir, 'backups')).filter((n) => n !== 'blobs')).toHaveLength(2);
    await cli(['backup', 'prune']);
    expect(readdirSync(path.join(dir, 'backups')).filter((n) => n !== 'blobs')).toEqual([summary.id]);
  });

  it('restore --yes brings the data back and leaves a safety set', async () => {
    const sumSql = 'SELECT count(*)::int AS n, sum(hashtextextended(t::text, 0))::text AS s FROM big t';
    const before = await withPg(pgs.connectionString('app'), async (a) => {
      const rows = (await a.query(sumSql)).rows[0];
      await a.query('DELETE FROM big WHERE id % 2 = 0');
      return rows;
    });
    const r = JSON.parse((await cli(['--json', '--yes', 'restore', '--parts', 'db,redis', '--drain-ms', '0', ...live])).stdout);
    expect(r.parts).toEqual(['postgres', 'redis']);
    expect(r.safetySetId).toMatch(/^\d{8}T\d{6}Z-/);
    expect((await withPg(pgs.connectionString('app'), (a) => a.query(sumSql))).rows[0]).toEqual(before);
    const list = JSON.parse((await cli(['--json', 'backup', 'list'])).stdout) as { id: string; status: string }[];
    expect(list.map((s) => s.status)).toEqual(['complete', 'complete']);
    expect(list[0].id).toBe(r.safetySetId);
  });

  it('restore without --yes and without a terminal refuses and changes nothing', async () => {
    const r = await cli(['restore', ...live], { reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/pass --yes/);
  });

  it('finds the running stack through <state>/native/endpoints.json and the profile secrets', async () => {
    copyFileSync(path.join(repo, 'test/fixtures/backup/prodctl-endpoints.yaml'), path.join(dir, 'stack.yaml'));
    for (const s of ['postgres_password', 'redis_password']) writeFileSync(path.join(dir, 'secrets', s), 'unused-by-trust-auth');
    mkdirSync(path.join(dir, 'stack-state/native'), { recursive: true });
    writeFileSync(path.join(dir, 'stack-state/native/endpoints.json'), JSON.stringify({ postgres: { host: pgs.host, port: pgs.port }, redis: { host: rds.host, port: rds.port }, uploadsDir: path.join(dir, 'uploads') }));
    const r = await execa('node', [bin, '-f', path.join(dir, 'stack.yaml'), '--state-dir', path.join(dir, 'stack-state'), '--json', 'backup'], { env: { NO_COLOR: '1' } });
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ compression: 'gzip', rows: 400000, store: path.join(dir, 'backups-stack') });
    expect(summary.verify.ok).toBe(true); // verify_after_backup: true in this profile
    expect(existsSync(path.join(dir, 'stack-state/textfile/prodctl_backup.prom'))).toBe(true);
  });

  it('schedule --run-loop actually takes a backup when the schedule fires (the same command the timer runs)', async () => {
    // Reuses the running-stack profile and endpoints of the previous test: the loop's child
    // `prodctl backup` gets no connection flags, exactly like a timer or the scheduler service.
    const stack = ['-f', path.join(dir, 'stack.yaml'), '--state-dir', path.join(dir, 'stack-state')];
    const listStack = async () => JSON.parse((await execa('node', [bin, ...stack, '--json', 'backup', 'list'], { env: { NO_COLOR: '1' } })).stdout) as { id: string; status: string }[];
    const before = await listStack();
    const t0 = Date.now();
    const loop = await execa('node', [bin, ...stack, 'backup', 'schedule', '--run-loop', '--cron', '*/5 * * * * *', '--once'], { env: { NO_COLOR: '1' }, timeout: 120_000 });
    expect(loop.stderr).toMatch(/next backup at \d{4}-\d\d-\d\dT\d\d:\d\d:\d[05]\.000Z \("\*\/5 \* \* \* \* \*"\)/);
    expect(loop.stderr).toMatch(/backup finished with exit code 0/);
    const summary = JSON.parse(loop.stdout);
    expect(Date.parse(summary.time)).toBeGreaterThanOrEqual(t0);
    expect(summary.verify.ok).toBe(true);
    const after = await listStack();
    expect(after.map((s) => s.id)).toEqual([summary.id, ...before.map((s) => s.id)]);
    expect(after[0].status).toBe('complete');
  });

  it('schedule renders a systemd timer and a cron entry', async () => {
    const out = JSON.parse((await cli(['--json', 'backup', 'schedule', '--prodctl-bin', '/usr/local/bin/prodctl'])).stdout);
    expect(out.onCalendar).toBe('Mon..Fri *-*-* 02:30:00');
    expect(readFileSync(out.files.timer, 'utf8')).toMatch(/^OnCalendar=Mon\.\.Fri \*-\*-\* 02:30:00$/m);
    expect(readFileSync(out.files.cron, 'utf8')).toMatch(/^30 2 \* \* 1-5 root \/usr\/local\/bin\/prodctl -f .* backup --json$/m);
    expect(out.install.systemd).toContain('systemctl daemon-reload');
  });
});
