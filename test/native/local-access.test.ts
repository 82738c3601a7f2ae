// Issue #26, defects 8–10 on the native target, as a local attacker runs them: another account on
// the host (`runuser -u nobody`) tries the Postgres socket, loopback TCP without a password, an
// upload, the Redis AOF and every log; the service's own credentials try superuser things. One real
// native stack (the built CLI's `prodctl up`), one job through the edge so every store has data.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresSocketDir } from '../../targets/native/postgres-hba.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { runSplitJob } from '../docker/real-stack-support.js';
import { ROOT } from './support.js';

const SECRETS = path.join(ROOT, 'examples/small/example-secrets');
const secret = (name: string) => readFileSync(path.join(SECRETS, name), 'utf8').trim();

/** Runs a command as `nobody`: the exit code and what it printed. */
async function asNobody(cmd: string[]): Promise<{ code: number; out: string }> {
  const r = await execa('runuser', ['-u', 'nobody', '--', ...cmd], { reject: false, timeout: 15_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', PGCONNECT_TIMEOUT: '5' } });
  return { code: r.exitCode ?? -1, out: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

// Another account is needed to play the attacker: only root can switch to nobody.
const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI === 'true') throw new Error('the local-access tests run `runuser -u nobody` and need root; CI must run them as root');
if (!isRoot) console.warn('SKIPPED: native local-access tests — they need root (runuser -u nobody)');

describe.runIf(isRoot)('native stack: no way in for another local account', () => {
  let stack: NativeStack;
  let apiKey: string;
  const paths = () => nativePaths(stack.stateDir);

  beforeAll(async () => {
    stack = await startNativeStack('prodctl-local-access-', { monitoring: { enabled: false } });
    const created = await stack.cli(['keys', 'create', '--user', 'local-access', '--json']);
    expect(created.exitCode, String(created.stderr)).toBe(0);
    apiKey = (JSON.parse(String(created.stdout)) as { key: string }).key;
    const ep = stack.endpoints();
    const job = await runSplitJob(`http://${ep.edge.host}:${ep.edge.port}`, apiKey);
    expect(job.state).toBe('completed');
  }, 300_000);

  afterAll(async () => {
    await stack?.down();
  }, 120_000);

  it('cannot open the Postgres socket (folder 0700, owned by postgres; socket 0700), nor log in over loopback without a password', async () => {
    const dir = postgresSocketDir(paths());
    const port = String(stack.endpoints().postgres.port);
    const st = statSync(dir);
    expect([mode(dir), st.uid]).toEqual(['700', Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())]);
    expect(mode(path.join(dir, `.s.PGSQL.${port}`))).toBe('700');
    for (const user of ['postgres', 'pdfsvc']) {
      const sock = await asNobody(['psql', '-h', dir, '-p', port, '-U', user, '-d', 'postgres', '-w', '-Atc', 'SELECT 1']);
      expect(sock.code, sock.out).not.toBe(0);
      expect(sock.out).toMatch(/Permission denied/);
      const tcp = await asNobody(['psql', '-h', '127.0.0.1', '-p', port, '-U', user, '-d', 'postgres', '-w', '-Atc', 'SELECT 1']);
      expect(tcp.code, tcp.out).not.toBe(0);
      expect(tcp.out).toMatch(/no password supplied/);
    }
  });

  it('the superuser over the socket is only for the postgres account (peer), not a trusted free-for-all', async () => {
    const dir = postgresSocketDir(paths());
    const port = String(stack.endpoints().postgres.port);
    const asPostgres = await execa('runuser', ['-u', 'postgres', '--', 'psql', '-h', dir, '-p', port, '-U', 'postgres', '-d', 'postgres', '-w', '-Atc', 'SELECT current_user'], { reject: false });
    expect([asPostgres.exitCode, asPostgres.stdout]).toEqual([0, 'postgres']);
    // Another role over the socket needs its password (scram), even for the postgres account.
    const appBySocket = await execa('runuser', ['-u', 'postgres', '--', 'psql', '-h', dir, '-p', port, '-U', 'pdfsvc', '-d', 'pdfsvc', '-w', '-Atc', 'SELECT 1'], { reject: false });
    expect(appBySocket.exitCode).not.toBe(0);
    expect(appBySocket.stderr).toMatch(/no password supplied/);
  });

  it('cannot read an upload or a result: blobs 0600 in 0700 folders', async () => {
    const uploads = stack.endpoints().uploadsDir;
    const blobs = filesUnder(path.join(uploads, 'blobs'));
    expect(blobs.length).toBeGreaterThanOrEqual(3); // the input and two split outputs
    for (const f of blobs) expect([f, mode(f), mode(path.dirname(f))]).toEqual([f, '600', '700']);
    expect(mode(uploads)).toBe('700');
    const r = await asNobody(['cat', blobs[0]]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Permission denied/);
  });

  it('cannot read the Redis AOF: 0600 in a 0700 folder', async () => {
    const aofDir = path.join(paths().dataDir, 'redis', 'appendonlydir');
    const files = filesUnder(aofDir);
    expect(files.some((f) => f.endsWith('.incr.aof'))).toBe(true);
    for (const f of files) expect([f, mode(f)]).toEqual([f, '600']);
    expect(mode(path.join(paths().dataDir, 'redis'))).toBe('700');
    const r = await asNobody(['cat', files[0]]);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/Permission denied/);
  });

  it('finds no secret in any log: logs are 0640 in a 0750 folder, and none holds a password, the pepper or the API key', async () => {
    const logs = filesUnder(paths().logDir);
    expect(logs.map((f) => path.basename(f))).toEqual(expect.arrayContaining(['postgres.log', 'redis.log', 'supervisor.log']));
    expect(mode(paths().logDir)).toBe('750');
    for (const f of logs) expect([f, mode(f)]).toEqual([f, '640']);
    const denied = await asNobody(['cat', ...logs]);
    expect(denied.code).not.toBe(0);
    expect(denied.out.match(/Permission denied/g)?.length).toBe(logs.length);
    const values = ['postgres_password', 'postgres_superuser_password', 'redis_password', 'api_key_pepper'].map(secret).concat(apiKey);
    for (const f of logs) {
      const text = readFileSync(f, 'utf8');
      for (const v of values) expect(text.includes(v), `${path.basename(f)} holds a secret`).toBe(false);
      expect(text, path.basename(f)).not.toMatch(/PASSWORD\s+'/i);
    }
    // The role statements ran (on each up) but were not logged; DDL otherwise still is.
    expect(readFileSync(path.join(paths().logDir, 'postgres.log'), 'utf8')).not.toMatch(/ROLE/);
  });

  it('the service role is no superuser and cannot run programs; its password is not the superuser\'s', async () => {
    const ep = stack.endpoints().postgres;
    const app = new pg.Client({ host: ep.host, port: ep.port, user: 'pdfsvc', database: 'pdfsvc', password: secret('postgres_password') });
    await app.connect();
    try {
      const me = await app.query('SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user');
      expect(me.rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false }]);
      const owner = await app.query("SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = 'pdfsvc'");
      expect(owner.rows).toEqual([{ owner: 'pdfsvc' }]);
      await app.query('CREATE TEMP TABLE t (line text)');
      const copy = await app.query("COPY t FROM PROGRAM 'id'").then(() => null, (e: { code?: string; message: string }) => e);
      expect(copy?.code, copy?.message).toBe('42501');
      expect(copy?.message).toMatch(/pg_execute_server_program/);
    } finally {
      await app.end();
    }
    const asSuper = new pg.Client({ host: ep.host, port: ep.port, user: 'postgres', database: 'postgres', password: secret('postgres_password') });
    const refused = await asSuper.connect().then(() => null, (e: Error) => e);
    await asSuper.end().catch(() => {});
    expect(refused?.message).toMatch(/password authentication failed for user "postgres"/);
  });
});
