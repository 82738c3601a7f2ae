// Graceful drain: SIGTERM to one API replica behind HAProxy under steady load gives 0 failed
// requests — /readyz turns 503 at once, the edge moves traffic, in-flight requests finish.
// Also: Redis with an evicting maxmemory-policy makes start-up refuse with a clear message.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, waitForPort } from '../../lib/net.js';
import { runMigrations } from '../../runtime/core/migrate.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { createDatabase, startTestRedis } from '../support/services.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
const procs: RuntimeProcess[] = [];
let haproxy: ChildProcess | null = null;

beforeAll(async () => {
  stack = await startRuntimeStack();
});

afterAll(async () => {
  haproxy?.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.stop('SIGKILL')));
  await stack?.cleanup();
});

function haproxyConfig(port: number, backends: number[]): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 3',
    '  option redispatch',
    '  retry-on conn-failure empty-response response-timeout',
    'frontend fe',
    `  bind 127.0.0.1:${port}`,
    '  default_backend api',
    'backend api',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    '  http-check expect status 200',
    ...backends.map((p, i) => `  server s${i} 127.0.0.1:${p} check inter 200ms fall 1 rise 2`),
    '',
  ].join('\n');
}

describe('graceful drain', () => {
  it('SIGTERM to one of two replicas behind HAProxy under steady load: 0 failed requests', async () => {
    // The limiter is not under test here: a fast machine passes 1,000 requests/s on this loop.
    const env = { DRAIN_WINDOW_MS: '2000', RATE_REQUESTS_PER_SECOND: '100000', RATE_BURST: '100000' };
    const [a, b] = await Promise.all([startProcess('api', stack.env, env), startProcess('api', stack.env, env)]);
    procs.push(a, b);
    const key = await mintKey(stack, 'drain');
    const file = (await uploadPdf(a.base, key, await makePdf(1))).body.id;
    const sub = await submitJob(a.base, key, { op: 'info', inputs: [file] });
    expect(sub.status, JSON.stringify(sub.body)).toBe(202);
    const job = sub.body.id as string;
    const port = await getFreePort();
    const cfg = path.join(stack.dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig(port, [a.port, b.port]));
    haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'ignore' });
    await waitForPort(port);
    await new Promise((r) => setTimeout(r, 1_000)); // both servers pass their first checks

    const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
    const statuses = new Map<number, number>();
    let errors = 0;
    let firstBad = '';
    let stop = false;
    const loop = async () => {
      while (!stop) {
        try {
          const res = await request(`http://127.0.0.1:${port}/v1/jobs/${job}`, { headers: authed(key), dispatcher: agent });
          if (res.statusCode !== 200 && !firstBad) firstBad = await res.body.text();
          else await res.body.dump();
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        } catch {
          errors++;
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((r) => setTimeout(r, 1_000));
    const exit = a.stop('SIGTERM');
    const code = await exit;
    await new Promise((r) => setTimeout(r, 1_000)); // keep going on the survivor
    stop = true;
    await Promise.all(loops);
    await agent.close();
    const total = [...statuses.values()].reduce((x, y) => x + y, 0);
    console.log(`drain: ${total} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}, ${errors} errors, exit ${code} ${firstBad}`);
    expect(code).toBe(0);
    expect(errors).toBe(0);
    expect([...statuses.keys()]).toEqual([200]);
    expect(total).toBeGreaterThan(100);
  });
});

describe('redis eviction policy', () => {
  it('refuses to start against Redis with allkeys-lru, saying why', async () => {
    const lru = await startTestRedis({ 'maxmemory-policy': 'allkeys-lru' });
    try {
      for (const role of ['api', 'worker'] as const) {
        const p = await startProcess(role, { ...stack.env, REDIS_HOST: lru.host, REDIS_PORT: String(lru.port) }, {}, { waitReady: false });
        const code = await new Promise<number | null>((r) => p.child.once('exit', r));
        expect(code).toBe(1);
        expect(p.output()).toContain("maxmemory-policy is 'allkeys-lru', but the queue needs 'noeviction'");
        expect(p.output()).toContain('maxmemory-policy noeviction');
      }
    } finally {
      await lru.cleanup();
    }
  });
});

describe('readiness', () => {
  it('/readyz stays 503 until migrations are current', async () => {
    const fresh = await createDatabase(stack.pg, 'fresh');
    const api = await startProcess('api', { ...stack.env, PGDATABASE: 'fresh' }, {}, { waitReady: false });
    procs.push(api);
    await waitForPort(api.port);
    const before = await fetch(`${api.base}/readyz`);
    expect(before.status).toBe(503);
    expect((await before.json()).checks.migrations).toBe('pending: run prodctl migrate');
    expect((await fetch(`${api.base}/livez`)).status).toBe(200);
    const pool = new pg.Pool({ connectionString: fresh, max: 1 });
    await runMigrations(pool);
    await pool.end();
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${api.base}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('never ready after migrating');
      await new Promise((r) => setTimeout(r, 200));
    }
  });
});
