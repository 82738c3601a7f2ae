// Readiness must not flap under load: a saturated Postgres pool (every connection stuck behind a
// lock) or a CPU-saturating request flood is "busy", and /readyz stays 200; a real outage (the
// test's own Postgres stopped) turns it 503 within two probe rounds (bounded below at 10 s so a
// loaded 2-core box does not break it; the measured time is printed).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, type RuntimeProcess, type RuntimeStack } from './support.js';

const run = promisify(execFile);
const OUTAGE_BOUND_MS = 10_000;
let stack: RuntimeStack;
let api: RuntimeProcess;
let key: string;
let jobUrl: string;

beforeAll(async () => {
  stack = await startRuntimeStack();
  // One pool connection: the easiest pool to run dry.
  api = await startProcess('api', stack.env, { PG_POOL_MAX: '1', RATE_REQUESTS_PER_SECOND: '1000000', RATE_BURST: '1000000' });
  key = await mintKey(stack, 'ready');
  const file = (await uploadPdf(api.base, key, await makePdf(1, 'ready'))).body.id;
  jobUrl = `${api.base}/v1/jobs/${(await submitJob(api.base, key, { op: 'info', inputs: [file] })).body.id}`;
});

afterAll(async () => {
  await api?.stop();
  await stack?.cleanup();
});

interface Probe {
  status: number;
  waiting: number;
}

/** Polls /readyz every 100 ms until stop() is called. */
function pollReadiness(): { stop(): Promise<Probe[]> } {
  const seen: Probe[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      const res = await fetch(`${api.base}/readyz`);
      const body = (await res.json()) as { pool?: { waiting: number } };
      seen.push({ status: res.status, waiting: body.pool?.waiting ?? 0 });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return seen;
    },
  };
}

describe('readiness under load', () => {
  it('stays 200 while every pool connection is stuck behind a lock', async () => {
    const locker = new pg.Client({ connectionString: stack.pg.connectionString(stack.database) });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
    const poll = pollReadiness();
    const requests = Array.from({ length: 20 }, () => fetch(jobUrl, { headers: authed(key) }).then((r) => r.status));
    await new Promise((r) => setTimeout(r, 3_000));
    const seen = await poll.stop();
    await locker.query('COMMIT');
    await locker.end();
    expect(new Set(await Promise.all(requests))).toEqual(new Set([200])); // served once the lock went
    expect(Math.max(...seen.map((p) => p.waiting)), 'the pool really ran dry').toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((p) => p.status !== 200)).toEqual([]);
  });

  it('stays 200 under a CPU-saturating flood of authenticated reads', async () => {
    const poll = pollReadiness();
    const { stdout } = await run('wrk', ['-t1', '-c64', '-d4s', '-H', `authorization: Bearer ${key}`, jobUrl]);
    const seen = await poll.stop();
    expect(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)![1])).toBeGreaterThan(0);
    expect(stdout).not.toMatch(/Non-2xx/);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.filter((p) => p.status !== 200)).toEqual([]);
  });

  it('turns 503 within the bound once Postgres is really down', async () => {
    expect((await fetch(`${api.base}/readyz`)).status).toBe(200);
    await stack.pg.stop();
    const t0 = Date.now();
    let body: { checks?: { postgres: string } } = {};
    for (;;) {
      const res = await fetch(`${api.base}/readyz`);
      body = (await res.json()) as typeof body;
      if (res.status === 503) break;
      if (Date.now() - t0 > OUTAGE_BOUND_MS) throw new Error(`/readyz still 200 ${OUTAGE_BOUND_MS} ms after Postgres stopped`);
      await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`/readyz turned 503 ${Date.now() - t0} ms after Postgres stopped: ${JSON.stringify(body.checks)}`);
    expect(body.checks?.postgres).toMatch(/^down: /);
    expect((await fetch(`${api.base}/livez`)).status).toBe(200); // alive, just not ready
  });
});
