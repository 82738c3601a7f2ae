// An unlucky night under load: Postgres killed four times in a row, then Redis killed. Every job
// the API accepted reaches a terminal state in Postgres, exactly once, and the status API says so;
// the API never answers 500, and every 503 carries Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { restartablePostgres, restartableRedis, runLoad, type LoadResult, type Restartable } from './outage-support.js';
import { authed, mintKey, startProcess, startRuntimeStack, uploadPdf, type RuntimeProcess, type RuntimeStack } from './support.js';

// Redis as the profile renders it for production: AOF, fsync every write.
const REDIS_SETTINGS = { 'maxmemory-policy': 'noeviction', appendonly: 'yes', appendfsync: 'always' };
// A reconciler round every second, comparing jobs older than 5 s: within reach of the test.
const RECONCILE = { JOB_RECONCILE_INTERVAL_MS: '1000', JOB_RECONCILE_GRACE_MS: '5000' };

let stack: RuntimeStack;
let api: RuntimeProcess;
let worker: RuntimeProcess;
let pgSrv: Restartable;
let redisSrv: Restartable;
let key: string;
let file: string;

beforeAll(async () => {
  stack = await startRuntimeStack(REDIS_SETTINGS);
  pgSrv = restartablePostgres(stack);
  redisSrv = restartableRedis(stack, REDIS_SETTINGS);
  // The API trusts a verified key for 1 s only: key checks meet the outage as every other query.
  api = await startProcess('api', stack.env, { PG_CONNECTION_TIMEOUT_MS: '2000', REDIS_COMMAND_TIMEOUT_MS: '2000' });
  worker = await startProcess('worker', stack.env, { ...RECONCILE, PG_CONNECTION_TIMEOUT_MS: '2000' });
  key = await mintKey(stack, 'outage');
  file = (await uploadPdf(api.base, key, await makePdf(1))).body.id;
}, 120_000);

afterAll(async () => {
  await Promise.all([api?.stop('SIGKILL'), worker?.stop('SIGKILL')]);
  await Promise.all([pgSrv?.stop(), redisSrv?.stop()]);
  await stack?.cleanup();
});

/** Waits until every accepted job is completed or failed in Postgres; returns those that are not. */
async function settle(ids: string[], timeoutMs = 180_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await stack.db.query(`SELECT id FROM jobs WHERE id = ANY($1::uuid[]) AND state NOT IN ('completed', 'failed')`, [ids]).catch(() => null);
    if (r && r.rowCount === 0) return [];
    if (Date.now() > deadline) return r ? r.rows.map((x) => x.id) : ids;
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** The whole verdict of one run, as numbers: printed for the record and asserted. */
async function verdict(load: LoadResult) {
  const ids = [...new Set(load.accepted.values())];
  const unsettled = await settle(ids);
  const states = await stack.db.query(`SELECT state, count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) GROUP BY state`, [ids]);
  const by = Object.fromEntries(states.rows.map((r) => [r.state, r.n]));
  const outputs = await stack.db.query(`SELECT source_job_id, count(*)::int AS n FROM files WHERE source_job_id = ANY($1::uuid[]) GROUP BY source_job_id`, [ids]);
  const twice = outputs.rows.filter((r) => r.n > 1).length;
  const jobsPerKey = await stack.db.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key LIKE 'load-%' AND id = ANY($1::uuid[])`, [ids]);
  // The status API agrees with Postgres for every job.
  const pgState = new Map((await stack.db.query(`SELECT id, state FROM jobs WHERE id = ANY($1::uuid[])`, [ids])).rows.map((r) => [r.id, r.state]));
  let disagree = 0;
  for (const id of ids) {
    const r = await fetch(`${api.base}/v1/jobs/${id}`, { headers: authed(key) });
    if ((await r.json()).state !== pgState.get(id)) disagree++;
  }
  const statuses: Record<string, number> = {};
  for (const a of load.answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const unavailable = load.answers.filter((a) => a.status === 503);
  const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
  const sum = (re: RegExp) => [...metrics.matchAll(re)].reduce((t, m) => t + Number(m[1]), 0);
  const numbers = {
    accepted: ids.length,
    completed: by.completed ?? 0,
    failed: by.failed ?? 0,
    lost: unsettled.length,
    completedTwice: twice,
    statusApiDisagrees: disagree,
    answers: statuses,
    answers500: load.answers.filter((a) => a.status >= 500 && a.status !== 503).length,
    answers503: unavailable.length,
    answers503WithoutRetryAfter: unavailable.filter((a) => !a.retryAfter || !(Number(a.retryAfter) > 0)).length,
    replayedAfter503: load.replayedAfter503.length,
    networkErrors: load.networkErrors,
    // So far in this worker's life (both runs share it).
    workerPostponed: sum(/prodctl_jobs_total\{op="watermark",outcome="postponed"\} (\d+)/g),
    workerRetried: sum(/prodctl_jobs_total\{op="watermark",outcome="retried"\} (\d+)/g),
    reconciled: sum(/prodctl_jobs_reconciled_total\{repair="\w+"\} (\d+)/g),
  };
  return { numbers, jobsWithKeys: jobsPerKey.rows[0].n };
}

function expectClean(v: Awaited<ReturnType<typeof verdict>>) {
  const n = v.numbers;
  expect(n.accepted).toBeGreaterThanOrEqual(150);
  expect(n.lost, JSON.stringify(n)).toBe(0);
  expect(n.completed, JSON.stringify(n)).toBe(n.accepted); // an outage spends no attempts: nothing fails
  expect(n.completedTwice).toBe(0);
  expect(n.statusApiDisagrees).toBe(0);
  expect(n.answers500, JSON.stringify(n)).toBe(0);
  expect(n.answers503).toBeGreaterThan(0); // the outage was seen
  expect(n.answers503WithoutRetryAfter).toBe(0);
  expect(n.replayedAfter503, JSON.stringify(n)).toBe(0); // a 503 never hid a created job
  expect(n.networkErrors).toBe(0);
  expect(v.jobsWithKeys).toBe(n.accepted); // one job per Idempotency-Key
  const statuses = Object.keys(n.answers).map(Number);
  expect(statuses.every((s) => [200, 202, 503].includes(s)), JSON.stringify(n.answers)).toBe(true);
}

describe('dependency outages under load', () => {
  it('Postgres killed 4 times in a row: every accepted job completes once, no 500s', async () => {
    const downs: number[] = [];
    const faults = (async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      for (let i = 0; i < 4; i++) {
        downs.push(await pgSrv.crash(600));
        await new Promise((r) => setTimeout(r, 1_500));
      }
      await new Promise((r) => setTimeout(r, 2_000));
    })();
    const load = await runLoad(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'night' } }, { users: 16, pauseMs: 100, until: faults, minAccepted: 150 });
    const v = await verdict(load);
    const down = downs.reduce((a, b) => a + b, 0);
    console.log(`postgres outage: ${JSON.stringify({ downMs: downs, totalDownMs: down, ...v.numbers })}`);
    expect(downs).toHaveLength(4);
    expect(down).toBeGreaterThanOrEqual(4 * 600);
    expectClean(v);
  }, 300_000);

  it('Redis killed and restarted: every accepted job completes once, no 500s', async () => {
    const downs: number[] = [];
    const faults = (async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      downs.push(await redisSrv.crash(2_000));
      await new Promise((r) => setTimeout(r, 3_000));
    })();
    const load = await runLoad(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'night' } }, { users: 16, pauseMs: 100, until: faults, minAccepted: 150 });
    const v = await verdict(load);
    console.log(`redis outage: ${JSON.stringify({ downMs: downs, ...v.numbers })}`);
    expectClean(v);
  }, 300_000);
});
