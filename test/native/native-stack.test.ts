// The native target end to end, on the real stack (Postgres, Redis, the runtime, HAProxy,
// Prometheus, Alertmanager, exporters) through the built CLI: up twice, kill -9 of every
// supervised process, a zero-failure deploy under wrk load, a refused never-ready build, logs,
// and down leaving nothing in the process table. The stack is always taken down at the end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import pg from 'pg';
import { normalisePgValue, normaliseRedisValue, parseConfFile } from '../../validate/conf-file.js';
import { findSupervisor } from '../../targets/native/supervisor/supervisor-client.js';
import { FIXTURES, makeBuild, makeStackDir, markBuild, parseWrk, processesOfStack, prodctl, replaceApiMain, waitUntil, type WrkSummary } from './support.js';

const PROFILE = path.join(FIXTURES, 'prodctl.yaml');

interface StatusJson {
  release?: string;
  services: { name: string; desired: number; skipped?: string; replicas: { id: string; pid?: number; healthy: boolean | null; restarts: number; version?: string }[] }[];
}

/** Runs `fn` while wrk loads `url` (2 s of load before and after); wrk's summary and fn's result. */
async function underLoad<T>(url: string, fn: () => Promise<T>): Promise<{ result: T; w: WrkSummary }> {
  const wrk = spawn('wrk', ['-t1', '-c8', '-d120s', '--timeout', '10s', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  wrk.stdout.on('data', (d) => (out += d));
  const wrkDone = new Promise<void>((r) => wrk.once('exit', () => r()));
  await new Promise((r) => setTimeout(r, 2_000));
  const result = await fn();
  await new Promise((r) => setTimeout(r, 2_000));
  wrk.kill('SIGINT');
  await wrkDone;
  return { result, w: parseWrk(out) };
}

describe('native target on the real stack', () => {
  const dir = makeStackDir('prodctl-native-');
  const stateDir = path.join(dir, 'state');
  const run = (args: string[], timeoutMs?: number) => prodctl(PROFILE, stateDir, args, timeoutMs);
  const status = async (): Promise<StatusJson> => {
    const r = await run(['status', '--json']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    return JSON.parse(String(r.stdout)) as StatusJson;
  };
  const endpoints = () => JSON.parse(readFileSync(path.join(stateDir, 'native/endpoints.json'), 'utf8'));
  const edgeUrl = () => `http://${endpoints().edge.host}:${endpoints().edge.port}`;

  beforeAll(async () => {
    const r = await run(['up']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
  });

  afterAll(async () => {
    // Down even when a test failed; then make sure, the hard way, that nothing is left.
    await run(['down']);
    for (const pid of processesOfStack(stateDir)) process.kill(pid, 'SIGKILL');
  });

  it('up starts every service healthy; a second up changes nothing and says so', async () => {
    const s = await status();
    const names = s.services.filter((x) => !x.skipped).map((x) => x.name);
    expect(names).toEqual(['api', 'worker', 'postgres', 'redis', 'edge', 'prometheus', 'alertmanager', 'postgres-exporter', 'redis-exporter', 'node-exporter', 'blackbox-exporter']);
    for (const svc of s.services.filter((x) => !x.skipped)) {
      expect(svc.replicas.length, svc.name).toBe(svc.desired);
      for (const r of svc.replicas) expect(r.healthy, r.id).toBe(true);
    }
    expect((await fetch(`${edgeUrl()}/readyz`)).status).toBe(200);
    const pidsBefore = processesOfStack(stateDir);
    // From another shell: a different PATH (as `npm run` gives) is no reason to restart anything.
    const again = await prodctl(PROFILE, stateDir, ['up'], undefined, { PATH: `${path.join(dir, 'node_modules/.bin')}:${process.env.PATH}` });
    expect(again.exitCode).toBe(0);
    expect(String(again.stdout)).toMatch(/^nothing changed: 12 processes already running unchanged$/m);
    expect(processesOfStack(stateDir)).toEqual(pidsBefore);
  });

  it('Postgres and Redis run with the rendered postgresql.conf and redis.conf: every setting reads back as the file says', async () => {
    const secret = (n: string) => readFileSync(path.join(FIXTURES, '../../../examples/small/example-secrets', n), 'utf8').trim();
    const rendered = (f: string) => readFileSync(path.join(stateDir, 'rendered', f), 'utf8');
    const ep = endpoints();
    // The superuser (config_file is visible to superusers only), over TCP: on a unix socket the
    // tcp_keepalives_* settings read 0 whatever the file says.
    const c = new pg.Client({ host: ep.postgres.host, port: ep.postgres.port, user: 'postgres', database: 'postgres', password: secret('postgres_superuser_password') });
    await c.connect();
    const wrong: string[] = [];
    try {
      const rows = new Map((await c.query<{ name: string; setting: string; unit: string | null; vartype: string; source: string }>('SELECT name, setting, unit, vartype, source FROM pg_settings')).rows.map((r) => [r.name.toLowerCase(), r]));
      expect(rows.get('config_file')!.setting).toBe(path.join(stateDir, 'native/config/postgres/postgresql.conf'));
      // The native address is layered on top, on the command line.
      expect([rows.get('port')!.setting, rows.get('listen_addresses')!.setting]).toEqual([String(ep.postgres.port), '127.0.0.1']);
      for (const [name, value] of parseConfFile(rendered('postgres/postgresql.conf'), '=')) {
        if (name === 'port' || name === 'listen_addresses') continue;
        const got = rows.get(name.toLowerCase());
        if (!got || got.source !== 'configuration file' || normalisePgValue(value, got.unit, got.vartype) !== normalisePgValue(got.setting, got.unit, got.vartype)) wrong.push(`postgres ${name}: file ${value}, server ${got?.setting} (${got?.source})`);
      }
    } finally {
      await c.end();
    }
    const r = new Redis({ host: ep.redis.host, port: ep.redis.port, password: secret('redis_password'), lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    try {
      for (const [name, value] of parseConfFile(rendered('redis/redis.conf'), ' ')) {
        if (name === 'port' || name === 'bind') continue;
        const [, got] = (await r.config('GET', name)) as string[];
        if (normaliseRedisValue(value) !== normaliseRedisValue(got ?? '')) wrong.push(`redis ${name}: file ${value}, server ${got}`);
      }
      expect(await r.config('GET', 'port')).toEqual(['port', String(ep.redis.port)]);
    } finally {
      r.disconnect();
    }
    expect(wrong).toEqual([]);
  });

  it('kill -9 of any supervised process: restarted within 5 s, and status shows the restart', async () => {
    const sup = (await findSupervisor(stateDir))!;
    const order = ['blackbox-exporter', 'node-exporter', 'redis-exporter', 'postgres-exporter', 'alertmanager', 'prometheus', 'edge', 'worker', 'api', 'redis', 'postgres'];
    const procs = (await sup.status()).sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
    expect(procs.length).toBe(12);
    const took: Record<string, number> = {};
    for (const p of procs) {
      const t0 = Date.now();
      process.kill(p.pid!, 'SIGKILL');
      await waitUntil(async () => (await sup.status()).find((x) => x.id === p.id && x.state === 'running' && x.pid !== p.pid), 5_000, 50);
      took[p.id] = Date.now() - t0;
    }
    console.log(`restart after kill -9 (ms): ${JSON.stringify(took)}`);
    for (const ms of Object.values(took)) expect(ms).toBeLessThan(5_000);
    // Postgres and Redis were killed last. An API replica notices a lost dependency only after two
    // failed readiness rounds (1 s each), so right after the restarts it may still answer 200 and
    // then drop to 503 for a moment. "Every replica healthy once" is not recovered: wait for the
    // edge to serve /readyz without a break for longer than that window.
    const t0 = Date.now();
    let steadySince = 0;
    await waitUntil(async () => {
      const ok = (await fetch(`${edgeUrl()}/readyz`, { signal: AbortSignal.timeout(5_000) }).then((r) => r.status, () => 0)) === 200;
      steadySince = ok ? steadySince || Date.now() : 0;
      return ok && Date.now() - steadySince >= 5_000;
    }, 90_000, 200);
    console.log(`edge /readyz steady again ${steadySince - t0} ms after the last restart`);
    // Everything is healthy, and `prodctl status` counts the restarts.
    const s = await waitUntil(async () => {
      const st = await status();
      const reps = st.services.flatMap((x) => x.replicas);
      return reps.length === 12 && reps.every((r) => r.healthy === true) ? st : null;
    }, 60_000, 500);
    // At least one each: a process may also restart by itself when a dependency it needs was killed.
    for (const r of s.services.flatMap((x) => x.replicas)) expect(r.restarts, r.id).toBeGreaterThanOrEqual(1);
    const plain = await run(['status']);
    expect(String(plain.stdout)).toMatch(/^\s+postgres\s+1\/1\s+healthy\s.*\s[1-9]\d*\s/m);
    expect((await fetch(`${edgeUrl()}/readyz`)).status).toBe(200);
  }, 240_000);

  it('deploy of a changed build under wrk load through the edge: 0 failed requests', async () => {
    const before = await status();
    const build = makeBuild(path.join(dir, 'build-v2'), (b) => markBuild(b, 'v2'));
    const { result: deploy, w } = await underLoad(`${edgeUrl()}/readyz`, () => run(['deploy', '--build', build]));
    expect(deploy.exitCode, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    console.log(`deploy under load: ${w.requests} requests in ${w.seconds}s = ${w.rps} req/s; non-2xx ${w.non2xx}; socket errors ${JSON.stringify(w.socketErrors)}; deploy: ${String(deploy.stdout).trim()}`);
    expect(w.rps).toBeGreaterThanOrEqual(200);
    expect(w.non2xx).toBe(0);
    expect(w.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
    const after = await status();
    expect(after.release).not.toBe(before.release);
    const apiBefore = before.services.find((x) => x.name === 'api')!.replicas.map((r) => r.id);
    const apiAfter = after.services.find((x) => x.name === 'api')!.replicas;
    expect(apiAfter.map((r) => r.id)).not.toEqual(apiBefore);
    expect(apiAfter.every((r) => r.version === after.release && r.healthy)).toBe(true);
    expect(after.services.find((x) => x.name === 'worker')!.replicas.every((r) => r.version === after.release)).toBe(true);
    // Deploying the same build again is a no-op.
    const again = await run(['deploy', '--build', build]);
    expect(String(again.stdout)).toContain('nothing to deploy');
  }, 240_000);

  it('rollback to the first release under wrk load through the edge: drained replica by replica, 0 failed requests', async () => {
    const before = await status();
    const releases = () => JSON.parse(readFileSync(path.join(stateDir, 'releases.json'), 'utf8')) as { version: string; image: string; outcome: string; kind: string }[];
    const [first, second] = releases();
    expect(releases().map((r) => `${r.kind}:${r.outcome}`)).toEqual(['deploy:applied', 'deploy:applied']);
    expect(second.version).toBe(before.release);
    const { result: rollback, w } = await underLoad(`${edgeUrl()}/readyz`, () => run(['rollback']));
    expect(rollback.exitCode, `${rollback.stdout}\n${rollback.stderr}`).toBe(0);
    console.log(`rollback under load: ${w.requests} requests in ${w.seconds}s = ${w.rps} req/s; non-2xx ${w.non2xx}; socket errors ${JSON.stringify(w.socketErrors)}; rollback: ${String(rollback.stdout).trim()}`);
    expect(String(rollback.stdout)).toContain(`rolled back to ${first.version}`);
    expect(w.rps).toBeGreaterThanOrEqual(200);
    expect(w.non2xx).toBe(0);
    expect(w.socketErrors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0 });
    const after = await status();
    expect(after.release).toBe(first.version);
    const apiAfter = after.services.find((x) => x.name === 'api')!.replicas;
    expect(apiAfter.map((r) => r.id)).not.toEqual(before.services.find((x) => x.name === 'api')!.replicas.map((r) => r.id));
    expect(apiAfter.every((r) => r.version === first.version && r.healthy)).toBe(true);
    expect(after.services.find((x) => x.name === 'worker')!.replicas.every((r) => r.version === first.version)).toBe(true);
    expect(releases().at(-1)).toMatchObject({ kind: 'rollback', outcome: 'applied', version: first.version, image: first.image });
    // The release before is now the second build; a folder rebuilt since is refused before anything stops.
    markBuild(second.image, 'rebuilt in place');
    const refused = await run(['rollback']);
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr)).toContain(`the build folder ${second.image} no longer holds release ${second.version}`);
    expect((await status()).release).toBe(first.version);
  }, 240_000);

  it('a build whose /readyz never passes is refused with its log lines; the old version still serves', async () => {
    const before = await status();
    const build = makeBuild(path.join(dir, 'build-broken'), (b) => replaceApiMain(b, path.join(FIXTURES, 'never-ready-api.mjs')));
    const r = await run(['--set', 'deploy.timeout=5s', 'deploy', '--build', build]);
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/api-\d+ \(\S+\) did not pass \/readyz within 5 s; rollout stopped/);
    expect(String(r.stderr)).toContain('broken build listening on');
    const after = await status();
    expect(after.release).toBe(before.release);
    expect(after.services.find((x) => x.name === 'api')!.replicas.map((x) => x.id)).toEqual(before.services.find((x) => x.name === 'api')!.replicas.map((x) => x.id));
    for (let i = 0; i < 20; i++) expect((await fetch(`${edgeUrl()}/readyz`)).status).toBe(200);
  });

  it('logs shows one service, every replica prefixed by its id', async () => {
    const api = await run(['logs', 'api', '-n', '3']);
    expect(api.exitCode).toBe(0);
    expect(String(api.stdout).trim().split('\n').length).toBeLessThanOrEqual(3);
    const workers = await run(['logs', 'worker', '-n', '2']);
    expect(String(workers.stdout)).toMatch(/^worker-\d+ \| /m);
    const bad = await run(['logs', 'nope']);
    expect(bad.exitCode).toBe(2);
    expect(String(bad.stderr)).toContain("no logs for 'nope'");
  });

  it('down stops everything in order and leaves no process of the stack in the process table', async () => {
    // The supervisor, its 11 processes, and Postgres' own helper processes.
    expect(processesOfStack(stateDir).length).toBeGreaterThan(12);
    const r = await run(['down']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(processesOfStack(stateDir)).toEqual([]);
    expect(await findSupervisor(stateDir)).toBeNull();
    const again = await run(['down']);
    expect(again.exitCode).toBe(0);
  });
});
