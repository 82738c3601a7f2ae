// `prodctl backup` with `backup.target.kind: s3` as users run it (built dist/), against the suite's
// Ceph RGW: a backup killed with SIGKILL after its set started leaves no set that `backup list` shows as good;
// then backup --verify, list and restore work from the bucket, and the S3 keys never show.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withPg } from '../backup/clients.js';
import { prepareBackupCliDir } from '../backup/cli-fixture.js';
import { makeTempDir, startTestPostgres, startTestRedis, type TestPostgres, type TestRedis } from '../support/services.js';
import { createTestBucket, listKeys, rgwOrSkip, type TestBucket } from '../support/rgw.js';

const { rgw, reason } = rgwOrSkip();
const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/prodctl.js');

describe.skipIf(!rgw)(`prodctl backup to an S3 bucket${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  let pgs: TestPostgres;
  let rds: TestRedis;
  let dir: string;
  let live: string[];
  let bucket: TestBucket;
  const cli = (args: string[], reject = true) =>
    execa('node', [bin, '-f', path.join(dir, 'prodctl.yaml'), '--state-dir', path.join(dir, 'state'), ...args], { reject, env: { NO_COLOR: '1' } });

  beforeAll(async () => {
    if (!existsSync(path.join(repo, 'dist/backup/stores/s3.js'))) await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: repo, reject: false });
    [pgs, rds, bucket] = await Promise.all([startTestPostgres(), startTestRedis(), createTestBucket(rgw!, 'cli-backups')]);
    dir = makeTempDir('prodctl-backup-s3-cli-');
    live = await prepareBackupCliDir(dir, pgs, rds);
    writeFileSync(path.join(dir, 'secrets/s3_access_key'), rgw!.accessKeyId, { mode: 0o600 });
    writeFileSync(path.join(dir, 'secrets/s3_secret_key'), rgw!.secretAccessKey, { mode: 0o600 });
    writeFileSync(
      path.join(dir, 'prodctl.yaml'),
      `${readFileSync(path.join(dir, 'prodctl.yaml'), 'utf8').replace('target: { kind: local, path: backups }', `target:
    kind: s3
    path: backups
    s3: { endpoint: "${rgw!.endpoint}", region: ${rgw!.region}, bucket: ${bucket.name}, prefix: sets/, path_style: true, access_key_secret: s3_access_key, secret_key_secret: s3_secret_key }`)}
secrets:
  s3_access_key: { file: secrets/s3_access_key }
  s3_secret_key: { file: secrets/s3_secret_key }
`,
    );
  });
  afterAll(async () => {
    await Promise.all([pgs?.cleanup(), rds?.cleanup()]);
    await bucket?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a backup killed once its set has started in the bucket leaves no set that `backup list` shows as complete', async () => {
    const child = spawn('node', [bin, '-f', path.join(dir, 'prodctl.yaml'), '--state-dir', path.join(dir, 'state'), 'backup', '--json', ...live], { stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Killed once the set has started in the bucket (started.json is its first object).
    const deadline = Date.now() + 60_000;
    const started = async () => (await listKeys(bucket.client, bucket.name, 'sets/')).some((k) => k.endsWith('started.json'));
    while (Date.now() < deadline && !(await started())) await new Promise((r) => setTimeout(r, 20));
    expect(await started()).toBe(true);
    child.kill('SIGKILL');
    await exited;
    expect((await listKeys(bucket.client, bucket.name, 'sets/')).some((k) => k.endsWith('/manifest.json'))).toBe(false);
    const list = JSON.parse((await cli(['--json', 'backup', 'list'])).stdout) as { id: string; status: string; complete: boolean }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ complete: false });
    const r = await cli(['--yes', 'restore', list[0].id, ...live], false);
    expect(r.exitCode).toBe(1);
  });

  it('backs up with --verify to the bucket, lists it as verified, restores from it, and never prints the keys', async () => {
    const run = await cli(['--json', 'backup', '--verify', ...live]);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ tables: 1, rows: 400000, encrypted: true });
    expect(summary.verify.ok).toBe(true);
    expect(summary.store).toContain(`s3 bucket ${bucket.name}`);
    expect(await listKeys(bucket.client, bucket.name, `sets/${summary.id}/`)).toContain(`sets/${summary.id}/manifest.json`);
    const list = JSON.parse((await cli(['--json', 'backup', 'list'])).stdout) as { id: string; status: string; verified: { ok: boolean } | null }[];
    expect(list.find((s) => s.id === summary.id)).toMatchObject({ status: 'complete', verified: { ok: true } });
    await withPg(pgs.connectionString('app'), (a) => a.query('DELETE FROM big WHERE id % 3 = 0'));
    const restored = await cli(['--json', '--yes', 'restore', summary.id, '--parts', 'db', '--drain-ms', '0', ...live]);
    expect(JSON.parse(restored.stdout).parts).toEqual(['postgres']);
    expect((await withPg(pgs.connectionString('app'), (a) => a.query('SELECT count(*)::int AS n FROM big'))).rows[0].n).toBe(400000);
    for (const out of [run.stdout, run.stderr, restored.stdout, restored.stderr]) expect(out).not.toContain(rgw!.secretAccessKey);
  });
});
