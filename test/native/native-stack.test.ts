// The native target end to end, on the real stack (Postgres, Redis, the runtime, HAProxy,
// Prometheus, Alertmanager, exporters) through the built CLI: up twice, kill -9 of every
// supervised process, a zero-failure deploy under wrk load, a refused never-ready build, logs,
// and down leaving nothing in the process table. The stack is always taken down at the end.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSupervisor } from '../../targets/native/supervisor/supervisor-client.js';
import { FIXTURES, makeBuild, makeStackDir, markBuild, parseWrk, processesOfStack, prodctl, replaceApiMain, waitUntil } from './support.js';

const PROFILE = path.join(FIXTURES, 'prodctl.yaml');

interface StatusJson {
  release?: string;
  services: { name: string; desired: number; skipped?: string; replicas: { id: string; pid?: number; healthy: boolean | null; restarts: number; version?: string }[] }[];
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
    expect(names).toEqual(['api', 'worker', 'postgres', 'redis', 'edge', 'prometheus', 'alertmanager', 'postgres-exporter', 'redis-exporter', 'node-exporter']);
    for (const svc of s.services.filter((x) => !x.skipped)) {
      expect(svc.replicas.length, svc.name).toBe(svc.desired);
      for (const r of svc.replicas) expect(r.healthy, r.id).toBe(true);
    }
    expect((await fetch(`${edgeUrl()}/readyz`)).status).toBe(200);
    const pidsBefore = processesOfStack(stateDir);
    const again = await run(['up']);
    expect(again.exitCode).toBe(0);
    expect(String(again.stdout)).toMatch(/^nothing changed: 11 processes already running unchanged$/m);
    expect(processesOfStack(stateDir)).toEqual(pidsBefore);
  });

  it('kill -9 of any supervised process: restarted within 5 s, and status shows the restart', async () => {
    const sup = (await findSupervisor(stateDir))!;
    const order = ['node-exporter', 'redis-exporter', 'postgres-exporter', 'alertmanager', 'prometheus', 'edge', 'worker', 'api', 'redis', 'postgres'];
    const procs = (await sup.status()).sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
    expect(procs.length).toBe(11);
    const took: Record<string, number> = {};
    for (const p of procs) {
      const t0 = Date.now();
      process.kill(p.pid!, 'SIGKILL');
      await waitUntil(async () => (await sup.status()).find((x) => x.id === p.id && x.state === 'running' && x.pid !== p.pid), 5_000, 50);
      took[p.id] = Date.now() - t0;
    }
    console.log(`restart after kill -9 (ms): ${JSON.stringify(took)}`);
    for (const ms of Object.values(took)) expect(ms).toBeLessThan(5_000);
    // Everything comes back healthy, and `prodctl status` counts one restart per process.
    const s = await waitUntil(async () => {
      const st = await status();
      const reps = st.services.flatMap((x) => x.replicas);
      return reps.length === 11 && reps.every((r) => r.healthy === true) ? st : null;
    }, 60_000, 500);
    // At least one each: a process may also restart by itself when a dependency it needs was killed.
    for (const r of s.services.flatMap((x) => x.replicas)) expect(r.restarts, r.id).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${edgeUrl()}/readyz`)).status).toBe(200);
  });

  it('deploy of a changed build under wrk load through the edge: 0 failed requests', async () => {
    const before = await status();
    const build = makeBuild(path.join(dir, 'build-v2'), (b) => markBuild(b, 'v2'));
    const wrk = spawn('wrk', ['-t1', '-c8', '-d120s', '--timeout', '10s', `${edgeUrl()}/readyz`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    wrk.stdout.on('data', (d) => (out += d));
    const wrkDone = new Promise<void>((r) => wrk.once('exit', () => r()));
    await new Promise((r) => setTimeout(r, 2_000));
    const deploy = await run(['deploy', '--build', build]);
    await new Promise((r) => setTimeout(r, 2_000));
    wrk.kill('SIGINT');
    await wrkDone;
    expect(deploy.exitCode, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    const w = parseWrk(out);
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
  });

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
