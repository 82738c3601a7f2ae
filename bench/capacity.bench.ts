// Capacity bench: what one core of each service carries, measured on a real stack (API and worker
// processes, Postgres, Redis with the settings rendered for examples/small), written as a capacity
// record that `prodctl plan --users N` sizes with. Each rate divides the units served by the CPU
// seconds the serving process used (from /proc), so a shared, busy machine skews it less than
// wall-clock rates would. Loopback only, bounded in count.
//   npx tsx bench/capacity.bench.ts [--json] [--state-dir DIR]   writes DIR/capacity/<time>-bench.json (default DIR: .prodctl)
//   env: BENCH_CAPACITY_REQUESTS (default 1500 per endpoint), BENCH_CAPACITY_JOBS (default 300 per op)
import { cpus, hostname, totalmem } from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { parseInfoField } from '../backup/parts/redis.js';
import { renderSamplePdf } from '../loadtest/sample-pdf.js';
import { CAPACITY_RECORD_VERSION, type CapacityRecord, type MeasuredRate, type WorkerRate } from '../plan/capacity-record.js';
import { writeCapacityRecord } from '../state/capacity-records.js';
import { cpuSeconds, withChildren } from '../lib/proc-cpu.js';
import { loadShippedSettings } from './shipped-settings.js';
import { authed, mintKey, startProcess, startRuntimeStack, type RuntimeStack } from '../test/runtime/support.js';

const json = process.argv.includes('--json');
const say = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
const argAfter = (flag: string) => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);
const REQUESTS = Number(process.env.BENCH_CAPACITY_REQUESTS ?? 1500);
const JOBS = Number(process.env.BENCH_CAPACITY_JOBS ?? 300);
const CONCURRENCY = 16;

interface Meter {
  pgPids: () => number[];
  redisPid: number;
  workerPid: number;
  pgOps(): Promise<number>;
  redisOps(): Promise<number>;
}

interface Reading {
  cpu: number;
  pgCpu: number;
  redisCpu: number;
  pgOps: number;
  redisOps: number;
}

async function read(m: Omit<Meter, 'workerPid'>, servicePids: number[]): Promise<Reading> {
  return { cpu: cpuSeconds(servicePids), pgCpu: cpuSeconds(m.pgPids()), redisCpu: cpuSeconds([m.redisPid]), pgOps: await m.pgOps(), redisOps: await m.redisOps() };
}

function diff(a: Reading, b: Reading): Reading {
  return { cpu: b.cpu - a.cpu, pgCpu: b.pgCpu - a.pgCpu, redisCpu: b.redisCpu - a.redisCpu, pgOps: b.pgOps - a.pgOps, redisOps: b.redisOps - a.redisOps };
}

/** Totals of the data stores' work over every measurement, for their own per-core rates. */
const stores = { pgCpu: 0, pgOps: 0, redisCpu: 0, redisOps: 0 };

function toRate(units: number, d: Reading): MeasuredRate {
  stores.pgCpu += d.pgCpu;
  stores.pgOps += d.pgOps;
  stores.redisCpu += d.redisCpu;
  stores.redisOps += d.redisOps;
  return { perCoreSecond: round(units / d.cpu), postgresOps: round(d.pgOps / units), redisOps: round(d.redisOps / units), samples: units };
}

/** Runs `count` calls of `one` with CONCURRENCY in flight; throws on the first non-2xx. */
async function drive(count: number, one: (i: number) => Promise<Response>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      const res = await one(i);
      await res.arrayBuffer();
      if (res.status >= 300) throw new Error(`request ${i} answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
}

async function measureApi(stack: RuntimeStack, m: Omit<Meter, 'workerPid'>): Promise<{ api: Record<string, MeasuredRate>; jobIds: string[]; fileId: string }> {
  const api = await startProcess('api', stack.env, FAST_API);
  const pids = [api.child.pid!];
  try {
    const key = await mintKey(stack, 'capacity-bench');
    const pdf = renderSamplePdf(3);
    const upload = () => fetch(`${api.base}/v1/files`, { method: 'POST', headers: authed(key, { 'content-type': 'application/pdf' }), body: pdf });
    await drive(50, upload); // warm up JIT and pools
    const measure = async (units: number, one: (i: number) => Promise<Response>) => {
      const before = await read(m, pids);
      await drive(units, one);
      return toRate(units, diff(before, await read(m, pids)));
    };
    const fileIds: string[] = [];
    const uploadRate = await measure(REQUESTS / 3, async () => {
      const res = await upload();
      const body = (await res.clone().json()) as { id: string };
      fileIds.push(body.id);
      return res;
    });
    const jobIds: string[] = [];
    const jobRate = await measure(JOBS, async (i) => {
      const res = await fetch(`${api.base}/v1/jobs`, { method: 'POST', headers: authed(key, { 'content-type': 'application/json' }), body: JSON.stringify({ op: 'info', inputs: [fileIds[i % fileIds.length]], params: {} }) });
      jobIds.push(((await res.clone().json()) as { id: string }).id);
      return res;
    });
    const statusRate = await measure(REQUESTS, (i) => fetch(`${api.base}/v1/jobs/${jobIds[i % jobIds.length]}`, { headers: authed(key) }));
    say(`api: status ${statusRate.perCoreSecond} req/core-s · upload (3 pages) ${uploadRate.perCoreSecond} · job create ${jobRate.perCoreSecond}`);
    return { api: { status: statusRate, upload: uploadRate, job: jobRate }, jobIds, fileId: fileIds[0] };
  } finally {
    await api.stop();
  }
}

const FAST_API = { RATE_REQUESTS_PER_SECOND: '1000000', RATE_BURST: '1000000', RATE_UPLOADS_PER_MINUTE: '1000000', QUEUE_MAX_DEPTH: '1000000' };

/**
 * Jobs of one op on a file of `pages` pages: submitted while the queue is paused, then drained by
 * one worker that is already warm, so its start-up is not charged to the jobs.
 */
async function measureWorker(stack: RuntimeStack, m: Meter, queue: Queue, base: string, op: string, pages: number, params: Record<string, unknown>): Promise<WorkerRate> {
  const key = await mintKey(stack, `capacity-${op}-${pages}`);
  const up = await fetch(`${base}/v1/files`, { method: 'POST', headers: authed(key, { 'content-type': 'application/pdf' }), body: renderSamplePdf(pages) });
  const file = ((await up.json()) as { id: string }).id;
  const ids: string[] = [];
  await queue.pause();
  await drive(JOBS, async () => {
    const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: authed(key, { 'content-type': 'application/json' }), body: JSON.stringify({ op, inputs: [file], params }) });
    ids.push(((await res.clone().json()) as { id: string }).id);
    return res;
  });
  const pids = withChildren(m.workerPid);
  const before = await read(m, pids);
  await queue.resume();
  const deadline = Date.now() + 600_000;
  for (;;) {
    const { rows } = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND state IN ('completed', 'failed')`, [ids]);
    if (Number(rows[0].n) === ids.length) break;
    if (Date.now() > deadline) throw new Error(`${op}: ${rows[0].n}/${ids.length} jobs done after 10 min`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const rate = toRate(JOBS, diff(before, await read(m, pids)));
  const { rows } = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM jobs WHERE id = ANY($1) AND state = 'completed'`, [ids]);
  if (Number(rows[0].n) !== ids.length) throw new Error(`${op}: only ${rows[0].n}/${ids.length} jobs completed`);
  say(`worker: ${op} ${pages} pages ${rate.perCoreSecond} jobs/core-s · ${rate.postgresOps} Postgres tx and ${rate.redisOps} Redis commands per job`);
  return { op, pages, ...rate };
}

async function measureWorkers(stack: RuntimeStack, m: Omit<Meter, 'workerPid'>): Promise<WorkerRate[]> {
  const api = await startProcess('api', stack.env, FAST_API);
  const worker = await startProcess('worker', stack.env);
  const conn = new Redis({ host: stack.redis.host, port: stack.redis.port, password: stack.redis.password, maxRetriesPerRequest: null });
  const queue = new Queue(stack.env.QUEUE_NAME, { connection: conn });
  try {
    const meter = { ...m, workerPid: worker.child.pid! };
    // A warm-up round, not recorded: neither its rate nor its share of the data stores' totals.
    const kept = { ...stores };
    await measureWorker(stack, meter, queue, api.base, 'info', 3, {});
    Object.assign(stores, kept);
    const out: WorkerRate[] = [];
    for (const [op, pages, params] of [['info', 3, {}], ['watermark', 3, { text: 'capacity bench' }], ['info', 30, {}], ['watermark', 30, { text: 'capacity bench' }]] as const) {
      out.push(await measureWorker(stack, meter, queue, api.base, op, pages, params));
    }
    return out;
  } finally {
    await queue.close();
    conn.disconnect();
    await worker.stop();
    await api.stop();
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

const shipped = await loadShippedSettings();
const stack = await startRuntimeStack(shipped.redis, shipped.pg);
const pgClient = new pg.Client({ connectionString: stack.pg.connectionString(stack.database) });
await pgClient.connect();
const redis = new Redis({ host: stack.redis.host, port: stack.redis.port, password: stack.redis.password, lazyConnect: true });
await redis.connect();
try {
  const postmaster = stack.pg.process?.pid;
  if (!postmaster) throw new Error('the test Postgres has no process id to charge CPU to');
  const meter: Omit<Meter, 'workerPid'> = {
    pgPids: () => withChildren(postmaster),
    redisPid: stack.redis.process.pid!,
    // xact_commit of every database: the bench's own reads below are a fixed, small share.
    pgOps: async () => Number((await pgClient.query<{ n: string }>('SELECT sum(xact_commit) AS n FROM pg_stat_database')).rows[0].n),
    redisOps: async () => Number(parseInfoField(await redis.info('stats'), 'total_commands_processed')),
  };
  say(`capacity bench on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${REQUESTS} requests per endpoint, ${JOBS} jobs per op`);
  const { api } = await measureApi(stack, meter);
  const worker = await measureWorkers(stack, meter);
  const record: CapacityRecord = {
    version: CAPACITY_RECORD_VERSION,
    source: 'bench',
    measuredAt: new Date().toISOString(),
    machine: { hostname: hostname(), cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
    api,
    worker,
    postgres: { opsPerCoreSecond: round(stores.pgOps / stores.pgCpu) },
    redis: { opsPerCoreSecond: round(stores.redisOps / stores.redisCpu) },
    note: `npm run bench (bench/capacity.bench.ts): processes on loopback, Postgres and Redis as rendered for examples/small, ${CONCURRENCY} requests in flight`,
  };
  // Into the state folder `prodctl plan --users` reads (of a profile in the current folder, by default).
  const file = writeCapacityRecord(path.resolve(argAfter('--state-dir') ?? process.env.PRODCTL_STATE_DIR ?? '.prodctl'), record);
  say(`postgres ${record.postgres.opsPerCoreSecond} tx/core-s · redis ${record.redis.opsPerCoreSecond} commands/core-s · record written to ${file}`);
  const results = [
    ...Object.entries(api).map(([k, v]) => ({ name: `capacity_api_${k}_per_core`, value: v.perCoreSecond, unit: 'req/core-s', baseline: null, ratio: null, goal: null })),
    ...worker.map((w) => ({ name: `capacity_worker_${w.op}_${w.pages}p_per_core`, value: w.perCoreSecond, unit: 'jobs/core-s', baseline: null, ratio: null, goal: null })),
  ];
  process.stdout.write(`${JSON.stringify({ bench: 'capacity', record: file, results })}\n`);
} finally {
  await pgClient.end().catch(() => {});
  redis.disconnect();
  await stack.cleanup();
}
