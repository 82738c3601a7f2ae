// Base backups on a fresh native stack (`prodctl up`, WAL archiving on) whose service role has no
// REPLICATION: pg_basebackup as that role is refused by the server, `prodctl backup` takes the base
// backup as the superuser over loopback scram, and a restore from it brings the service's rows back.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBin, startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { ROOT } from '../native/support.js';
import { withPg } from './clients.js';

const secret = (name: string) => readFileSync(path.join(ROOT, 'examples/small/example-secrets', name), 'utf8').trim();
let stack: NativeStack;
let restored: LocalPostgres | undefined;

beforeAll(async () => {
  if (!existsSync(path.join(ROOT, 'dist/cli/run-restore-pitr.js'))) await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT });
  stack = await startNativeStack('prodctl-basebackup-', { backup: { wal: { archive: true, archive_timeout: '5s' } } });
  // Postgres runs `prodctl wal-push` as its own account: it writes the backup folder.
  chownTree(stack.backups, serviceUser('postgres'));
}, 300_000);

afterAll(async () => {
  await restored?.stop().catch(() => {});
  await stack?.down();
  if (stack) rmSync(stack.dir, { recursive: true, force: true });
});

describe('base backups on a native stack with a NOREPLICATION service role', () => {
  it('the service role has no REPLICATION and pg_basebackup as it is refused', async () => {
    const ep = stack.endpoints().postgres;
    const url = `postgres://pdfsvc:${encodeURIComponent(secret('postgres_password'))}@${ep.host}:${ep.port}/pdfsvc`;
    const role = await withPg(url, async (c) => (await c.query<{ r: boolean; s: boolean }>('SELECT rolreplication AS r, rolsuper AS s FROM pg_roles WHERE rolname = current_user')).rows[0]);
    expect(role).toEqual({ r: false, s: false });
    const r = await execa(findPgBin('pg_basebackup'), ['-D', '-', '--format=tar', '--wal-method=fetch', '--no-password', `--host=${ep.host}`, `--port=${ep.port}`, '--username=pdfsvc'], {
      reject: false,
      env: { PGPASSWORD: secret('postgres_password') },
      stdout: 'ignore',
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/no pg_hba.conf entry for replication connection|must be superuser or replication role|permission denied to start WAL sender/);
  }, 60_000);

  it('prodctl backup takes the base backup as the superuser, and a restore from it has the rows', async () => {
    const ep = stack.endpoints().postgres;
    const url = `postgres://pdfsvc:${encodeURIComponent(secret('postgres_password'))}@${ep.host}:${ep.port}/pdfsvc`;
    await withPg(url, (c) => c.query("CREATE TABLE base_probe AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 2000) g"));
    const t0 = Date.now();
    const run = await stack.cli(['--json', 'backup', '--parts', 'postgres', '--no-verify']);
    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    const backupMs = Date.now() - t0;
    const id = JSON.parse(run.stdout).id as string;
    const manifest = JSON.parse(readFileSync(path.join(stack.backups, id, 'manifest.json'), 'utf8'));
    const base = manifest.parts.postgres.base;
    expect(base.startWal).toMatch(/^[0-9A-F]{24}$/);
    expect(manifest.parts.postgres.files.map((f: { key: string }) => f.key)).toContain(base.key);
    // Still NOREPLICATION after the backup: nothing granted it on the way.
    expect(await withPg(url, async (c) => (await c.query<{ r: boolean }>('SELECT rolreplication AS r FROM pg_roles WHERE rolname = current_user')).rows[0].r)).toBe(false);

    const out = path.join(stack.dir, 'restored');
    const r = await stack.cli(['--json', '--yes', 'restore', '--latest', '--data-dir', out]);
    expect(r.exitCode, r.stderr).toBe(0);
    restored = await startPostgres({ dataDir: out, settings: { archive_mode: 'off' }, password: secret('postgres_superuser_password'), logFile: path.join(stack.dir, 'restored.log') });
    const n = await withPg(restored.connectionString('pdfsvc'), async (c) => (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM base_probe')).rows[0].n);
    expect(n).toBe(2000);
    console.log(`native base backup as the superuser: ${backupMs} ms (tar ${base.startWal} … ${base.stopWal}); restore --latest from it: ${JSON.parse(r.stdout).durationMs} ms`);
  }, 240_000);
});
