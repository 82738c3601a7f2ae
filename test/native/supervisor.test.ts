// The supervisor daemon with small real Node processes: restart with backoff, logs, pid files,
// stale-pid recovery after the daemon itself is killed, ordered SIGTERM → SIGKILL shutdown.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureSupervisor, findSupervisor, supervisorPid } from '../../targets/native/supervisor/supervisor-client.js';
import { readPidFiles } from '../../targets/native/supervisor/pid-files.js';
import { backoffMs, type ProcessSpec } from '../../targets/native/supervisor/types.js';
import { makeTempDir } from '../support/services.js';
import { processesOfStack, waitUntil } from './support.js';

const FIX = path.resolve(import.meta.dirname, '../fixtures/native');

function spec(id: string, script: string, o: Partial<ProcessSpec> = {}): ProcessSpec {
  return { id, service: id.replace(/-\d+$/, ''), argv: [process.execPath, path.join(FIX, script)], env: { PATH: process.env.PATH ?? '' }, cwd: FIX, stopSignal: 'SIGTERM', stopTimeoutMs: 2_000, order: 1, ...o };
}

describe('backoffMs', () => {
  it('doubles from 200 ms and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 9, 20].map(backoffMs)).toEqual([200, 400, 800, 1600, 3200, 30_000, 30_000]);
  });
});

describe('supervisor daemon', () => {
  const stateDir = makeTempDir('prodctl-sup-');
  const marker = { PRODCTL_NATIVE_STACK: stateDir };

  afterAll(async () => {
    const c = await findSupervisor(stateDir);
    await c?.shutdown().catch(() => {});
    for (const pid of processesOfStack(stateDir)) process.kill(pid, 'SIGKILL');
  });

  it('starts processes, writes pid files and logs, and restarts one killed with -9 within 5 s', async () => {
    const { client, started } = await ensureSupervisor(stateDir);
    expect(started).toBe(true);
    const env = { ...marker, PATH: process.env.PATH ?? '' };
    const a = await client.start(spec('app-1', 'graceful.mjs', { env, order: 1 }));
    await client.start(spec('stubborn-1', 'stubborn.mjs', { env, order: 2 }));
    expect(a.state).toBe('running');
    await waitUntil(() => readFileSync(path.join(client.paths.logDir, 'app-1.log'), 'utf8').includes(`started ${a.pid}`), 5_000);
    expect(readPidFiles(client.paths.pidDir).map((r) => r.id).sort()).toEqual(['app-1', 'stubborn-1']);

    const killedAt = Date.now();
    process.kill(a.pid!, 'SIGKILL');
    const back = await waitUntil(async () => (await client.status()).find((s) => s.id === 'app-1' && s.state === 'running' && s.pid !== a.pid), 5_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(back.restarts).toBe(1);
    expect(back.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('a process that crashes at start is retried with growing delays', async () => {
    const client = (await findSupervisor(stateDir))!;
    await client.start(spec('crashy-1', 'crash-at-start.mjs', { env: { ...marker, PATH: process.env.PATH ?? '' } }));
    // 200 + 400 + 800 ms of backoff: three restarts take at least 1.4 s.
    const t0 = Date.now();
    await waitUntil(async () => ((await client.status()).find((s) => s.id === 'crashy-1')?.restarts ?? 0) >= 3, 10_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_300);
    const s = (await client.status()).find((x) => x.id === 'crashy-1')!;
    expect(s.lastExit?.code).toBe(3);
    expect(readFileSync(path.join(client.paths.logDir, 'crashy-1.log'), 'utf8')).toContain('fatal: cannot start');
    await client.stop('crashy-1');
    expect((await client.status()).map((x) => x.id)).not.toContain('crashy-1');
  });

  it('after the daemon is killed with -9, a new daemon stops the orphans named by stale pid files', async () => {
    const client = (await findSupervisor(stateDir))!;
    const before = await client.status();
    const orphanPids = before.map((s) => s.pid!).filter(Boolean);
    expect(orphanPids.length).toBe(2);
    const daemon = supervisorPid(client.paths)!;
    process.kill(daemon, 'SIGKILL');
    await waitUntil(async () => (await findSupervisor(stateDir)) === null, 5_000);
    // Its socket closes before the process is gone from /proc (exit closes files first): wait for that too.
    await waitUntil(() => !processesOfStack(stateDir).includes(daemon), 5_000);
    // The supervised processes outlive their supervisor (own process groups)…
    expect(processesOfStack(stateDir)).toEqual(orphanPids.sort((a, b) => a - b));
    // …until the next daemon recovers: the stubborn one needs SIGKILL after its 10 s grace.
    const { client: next, started } = await ensureSupervisor(stateDir);
    expect(started).toBe(true);
    expect(processesOfStack(stateDir)).toEqual([supervisorPid(next.paths)]);
    expect(readPidFiles(next.paths.pidDir)).toEqual([]);
    expect(readFileSync(next.paths.supervisorLog, 'utf8')).toMatch(/stale pid file: app-1 .* still runs without a supervisor/);
  }, 60_000);

  it('shutdown stops in rank order, SIGTERM then SIGKILL, and leaves no process behind', async () => {
    const { client } = await ensureSupervisor(stateDir);
    const env = { ...marker, PATH: process.env.PATH ?? '' };
    await client.start(spec('low-1', 'graceful.mjs', { env, order: 1 }));
    await client.start(spec('high-1', 'stubborn.mjs', { env, order: 5, stopTimeoutMs: 500 }));
    await client.start(spec('mid-1', 'graceful.mjs', { env, order: 3 }));
    // Each has set up its signal handler once it logged `started`.
    const logOf = (id: string) => readFileSync(path.join(client.paths.logDir, `${id}.log`), 'utf8');
    await waitUntil(() => ['low-1', 'high-1', 'mid-1'].every((id) => logOf(id).includes('started')), 5_000);
    expect(processesOfStack(stateDir).length).toBe(4); // the daemon and its three
    await client.shutdown();
    await waitUntil(async () => (await findSupervisor(stateDir)) === null, 5_000);
    expect(processesOfStack(stateDir)).toEqual([]);
    const log = readFileSync(client.paths.supervisorLog, 'utf8');
    const order = [...log.matchAll(/stopping (\S+) \(/g)].map((m) => m[1]).slice(-3);
    expect(order).toEqual(['high-1', 'mid-1', 'low-1']);
    expect(readFileSync(path.join(client.paths.logDir, 'high-1.log'), 'utf8')).toContain('ignoring SIGTERM');
    expect(readFileSync(path.join(client.paths.logDir, 'low-1.log'), 'utf8')).toContain('got SIGTERM, stopping');
    expect(existsSync(client.paths.controlSocket)).toBe(false);
  });
});
