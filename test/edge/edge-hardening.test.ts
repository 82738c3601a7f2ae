// The HAProxy edge as the native target renders it, real HAProxy in front of two real API
// processes on real Postgres and Redis, under the faults and attacks of issue 26: dependency
// restarts, SIGTERM of a replica under load, slow bodies from one source, a huge body without a
// key. Each answer the edge gives is judged as a client would see it.
import net from 'node:net';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaproxySwitch } from '../../edge/haproxy/haproxy-switch.js';
import { runAdminCommand } from '../../edge/haproxy/runtime-api.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { startPostgres, stopChild, type LocalPostgres } from '../../lib/local-postgres.js';
import { startRedis, type LocalRedis } from '../../lib/local-redis.js';
import type { StackPlan } from '../../plan/types.js';
import { drainAtEdge } from '../../targets/native/native-edge.js';
import { edgeCheckTimings, haproxyCheckArgs } from '../../templates/haproxy/haproxy-health.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, type RuntimeProcess, type RuntimeStack } from '../runtime/support.js';
import { percentile, processUsage, startEdge, streamUntilCut, type Edge } from './edge-stack.js';
import { loadExamplePlan } from './support.js';

const DRAIN = '2s';
let stack: RuntimeStack;
let plan: StackPlan;
let edge: Edge;
let sw: EdgeSwitch;
let key: string;
let job: string;
const apis = new Map<string, RuntimeProcess>();
let restartedRedis: LocalRedis | null = null;
let restartedPg: LocalPostgres | null = null;
const apiEnv = { DRAIN_WINDOW_MS: '2000', RATE_REQUESTS_PER_SECOND: '100000', RATE_BURST: '100000' };

async function startApi(name: string): Promise<RuntimeProcess> {
  const p = await startProcess('api', stack.env, apiEnv);
  apis.set(name, p);
  return p;
}

beforeAll(async () => {
  stack = await startRuntimeStack();
  plan = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy', `api.drain_window=${DRAIN}`, 'api.max_upload_size=2M', 'edge.haproxy.max_connections=1000', 'edge.client_limits.requests_per_source_per_10s=1000000']);
  const [a, b] = await Promise.all([startApi('api-a'), startApi('api-b')]);
  key = await mintKey(stack, 'edge-user');
  const file = (await uploadPdf(a.base, key, await makePdf(1))).body.id;
  const sub = await submitJob(a.base, key, { op: 'info', inputs: [file] });
  expect(sub.status).toBe(202);
  job = sub.body.id;
  edge = await startEdge(plan, stack.dir, [{ name: 'api-a', port: a.port }, { name: 'api-b', port: b.port }]);
  sw = createHaproxySwitch({ endpoint: edge.socket, backend: 'api', checkArgs: haproxyCheckArgs(edgeCheckTimings(plan.profile)) });
  await sw.confirmRouting('api-a', 10_000);
  await sw.confirmRouting('api-b', 10_000);
}, 120_000);

afterAll(async () => {
  edge?.stop();
  await Promise.all([...apis.values()].map((p) => p.stop('SIGKILL')));
  await restartedRedis?.stop();
  if (restartedPg?.process) await stopChild(restartedPg.process);
  await stack?.cleanup();
});

interface Tally {
  statuses: Map<string, number>;
  failures: string[];
  latencies: number[];
}

/** `n` loops of GET <path> through the edge until stop() resolves; every answer is recorded. */
function loadLoop(path: string, n: number, judge: (status: number, headers: Record<string, string | string[] | undefined>, body: string) => string | null) {
  const agent = new Agent({ connections: n, keepAliveTimeout: 10_000 });
  const t: Tally = { statuses: new Map(), failures: [], latencies: [] };
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const t0 = performance.now();
      try {
        const res = await request(`${edge.base}${path}`, { headers: authed(key), dispatcher: agent });
        const body = await res.body.text();
        t.latencies.push(performance.now() - t0);
        const k = `${res.statusCode} ${String(res.headers['content-type'] ?? '').split(';')[0]}`;
        t.statuses.set(k, (t.statuses.get(k) ?? 0) + 1);
        const bad = judge(res.statusCode, res.headers, body);
        if (bad) t.failures.push(bad);
      } catch (e) {
        t.failures.push(`transport: ${(e as Error).message}`);
      }
    }
  };
  const loops = Array.from({ length: n }, loop);
  return {
    tally: t,
    async stop() {
      stop = true;
      await Promise.all(loops);
      await agent.close();
      return t;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** 200, or the unavailable answer: 503, JSON in the API's error shape, with Retry-After. */
function okOrHonest503(status: number, h: Record<string, string | string[] | undefined>, body: string): string | null {
  if (status === 200) return null;
  if (status !== 503) return `${status}: ${body.slice(0, 200)}`;
  if (!String(h['content-type']).startsWith('application/json')) return `503 as ${h['content-type']}: ${body.slice(0, 100)}`;
  if (!h['retry-after']) return `503 without Retry-After: ${body.slice(0, 100)}`;
  const parsed = JSON.parse(body) as { error?: string; message?: string };
  return parsed.error && parsed.message ? null : `503 body not in the error shape: ${body}`;
}

async function waitFor200(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await fetch(`${edge.base}${path}`, { headers: authed(key) }).catch(() => null);
    if (r?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`${path} not 200 within ${timeoutMs} ms`);
}

describe('the edge under dependency restarts', () => {
  it('Redis and Postgres restarts under load: every answer is 200 or a JSON 503 with Retry-After — never HTML, never 500', async () => {
    const load = loadLoop(`/v1/jobs/${job}`, 6, okOrHonest503);
    await sleep(1_000);
    // Redis: killed, down 3 s, back on the same port and data folder.
    const redisPort = stack.redis.port;
    stack.redis.process.kill('SIGKILL');
    await sleep(3_000);
    restartedRedis = await startRedis({ dir: stack.redis.dir, port: redisPort, settings: { 'maxmemory-policy': 'noeviction', appendonly: 'no', save: '' } });
    await waitFor200(`/v1/jobs/${job}`, 30_000);
    // Postgres: fast shutdown, down 3 s, started again on the same data.
    const pgPort = stack.pg.port;
    await stopChild(stack.pg.process!, 'SIGINT');
    await sleep(3_000);
    restartedPg = await startPostgres({ dataDir: stack.pg.dataDir, port: pgPort, settings: { fsync: 'off', max_connections: 200 } });
    await waitFor200(`/v1/jobs/${job}`, 30_000);
    await sleep(1_000);
    const t = await load.stop();
    const summary = JSON.stringify(Object.fromEntries(t.statuses));
    console.log(`dependency restarts: ${t.latencies.length} answers ${summary}; failures ${t.failures.length}: ${t.failures.slice(0, 3).join(' | ')}`);
    expect(t.failures).toEqual([]);
    expect(t.statuses.get('503 application/json') ?? 0, summary).toBeGreaterThan(0);
  }, 120_000);

  it('with no replica in rotation, the edge itself answers 503 in JSON with Retry-After', async () => {
    const admin = (cmd: string) => runAdminCommand(edge.socket, cmd);
    await admin('set server api/api-a state maint');
    await admin('set server api/api-b state maint');
    try {
      const res = await fetch(`${edge.base}/v1/jobs/${job}`, { headers: authed(key) });
      const body = await res.text();
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('retry-after')).toBe('2');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(JSON.parse(body)).toEqual({ error: 'unavailable', message: 'the service is unavailable; retry shortly' });
    } finally {
      await admin('set server api/api-a state ready');
      await admin('set server api/api-b state ready');
    }
    await sw.confirmRouting('api-a', 10_000);
    await sw.confirmRouting('api-b', 10_000);
  });
});

describe('drain', () => {
  it('SIGTERM of one of 2 replicas under load, drained at the edge first (as prodctl does): 0 failed requests', async () => {
    const load = loadLoop(`/v1/jobs/${job}`, 8, (s, _h, b) => (s === 200 ? null : `${s}: ${b.slice(0, 120)}`));
    await sleep(1_000);
    const t0 = Date.now();
    await drainAtEdge(sw, 'api-a', 2_000);
    const drainedMs = Date.now() - t0;
    expect((await sw.listServers()).find((s) => s.name === 'api-a')?.state).toBe('drain');
    const code = await apis.get('api-a')!.stop('SIGTERM');
    await sw.removeServer('api-a', 5_000);
    await sleep(1_000);
    const t = await load.stop();
    console.log(`drained SIGTERM: out of rotation in ${drainedMs} ms; ${t.latencies.length} requests ${JSON.stringify(Object.fromEntries(t.statuses))}; ${t.failures.length} failed`);
    expect(code).toBe(0);
    expect(t.failures).toEqual([]);
    expect(t.latencies.length).toBeGreaterThan(100);
  }, 60_000);

  it('a raw SIGTERM (no runtime API) of one of 2 replicas under load: the liveness check sees the drain in time, 0 failed requests', async () => {
    const c = await startApi('api-c');
    await sw.addServer('api-c', `127.0.0.1:${c.port}`);
    await sw.confirmRouting('api-c', 10_000);
    const load = loadLoop(`/v1/jobs/${job}`, 8, (s, _h, b) => (s === 200 ? null : `${s}: ${b.slice(0, 120)}`));
    await sleep(1_000);
    const code = await apis.get('api-b')!.stop('SIGTERM');
    await sleep(1_000);
    const t = await load.stop();
    console.log(`raw SIGTERM: ${t.latencies.length} requests ${JSON.stringify(Object.fromEntries(t.statuses))}, p50 ${percentile(t.latencies, 50).toFixed(1)} ms, max ${Math.max(...t.latencies).toFixed(0)} ms; ${t.failures.length} failed: ${t.failures.slice(0, 3).join(' | ')}`);
    expect(code).toBe(0);
    expect(t.failures).toEqual([]);
    expect((await sw.listServers()).find((s) => s.name === 'api-b')?.state).toBe('down');
    await sw.removeServer('api-b', 5_000);
  }, 60_000);
});
