// Where a worker job's CPU goes besides the PDF work, on this host. A bare BullMQ worker spends a
// fixed CPU loop per job in one of two threads (FLOOR_WORK_MS, default 2, standing in for the PDF
// work) and records the job in Postgres; then the runtime worker's own pieces are switched on one
// at a time (bench/worker-floor-child.ts). Each variant is charged, as the runtime bench charges
// the worker, with the CPU of its process, Postgres and Redis per job; the ratio is against the bare
// variant measured in the same run. Information for reading the worker ratio, not a goal.
//   npx tsx bench/worker-floor.bench.ts [--json]
//   env: FLOOR_WORK_MS (2), FLOOR_JOBS (1,000 per timed run), FLOOR_REPS (2 passes over the variants)
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WORKER_NODE_FLAGS } from '../contract/index.js';
import { readConfig } from '../runtime/core/config.js';
import { buildJobOptions } from '../runtime/core/queue.js';
import { startRuntimeStack, type RuntimeStack } from '../test/runtime/support.js';
import { cpuSeconds, withChildren } from '../lib/proc-cpu.js';
import { loadShippedSettings } from './shipped-settings.js';

const json = process.argv.includes('--json');
const say = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);
const WORK_MS = Number(process.env.FLOOR_WORK_MS ?? 2);
const JOBS = Number(process.env.FLOOR_JOBS ?? 1000);
const REPS = Number(process.env.FLOOR_REPS ?? 2);

/** Each variant adds one piece to the one before it. */
const VARIANTS: { name: string; env: Record<string, string> }[] = [
  { name: 'bare', env: {} },
  { name: 'store', env: { FLOOR_STORE: '1' } },
  { name: 'record', env: { FLOOR_STORE: '1', FLOOR_RECORD: '1' } },
  { name: 'notify', env: { FLOOR_STORE: '1', FLOOR_RECORD: '1', FLOOR_NOTIFY: '1' } },
];

interface Sample {
  cpuMs: number;
  workerMs: number;
  wall: number;
}

/** One user and one input file, as every job row needs; returns their ids. */
async function seedOwner(stack: RuntimeStack): Promise<{ userId: string; fileId: string }> {
  const userId = (await stack.db.query(`INSERT INTO users (name) VALUES ('bench-floor') RETURNING id`)).rows[0].id;
  const fileId = (await stack.db.query(`INSERT INTO files (user_id, sha256, bytes, pages) VALUES ($1, $2, 2556, 10) RETURNING id`, [userId, 'b'.repeat(64)])).rows[0].id;
  return { userId, fileId };
}

async function startChild(stack: RuntimeStack, queue: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = fork(new URL('./worker-floor-child.ts', import.meta.url).pathname, [], {
    execArgv: [...WORKER_NODE_FLAGS, '--import', 'tsx'],
    // stdout is a pipe that is read, as the runtime worker's log lines go to one.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { PATH: process.env.PATH ?? '', ...stack.env, FLOOR_QUEUE: queue, FLOOR_WORK_MS: String(WORK_MS), ...env },
  });
  child.stdout!.resume();
  await new Promise((ready, fail) => {
    child.once('message', ready);
    child.once('exit', (code) => fail(new Error(`worker-floor child exited with ${code} before it was ready`)));
  });
  return child;
}

/** Queues n jobs while paused, then times the drain from resume to the last recorded row. */
async function drain(stack: RuntimeStack, queue: Queue, child: ChildProcess, owner: { userId: string; fileId: string }, n: number): Promise<Sample> {
  const cfg = readConfig(stack.env, 'worker').worker; // the job options the runtime's API would queue with
  await queue.pause();
  const ids: string[] = (await stack.db.query(`INSERT INTO jobs (user_id, op, inputs) SELECT $1, 'watermark', ARRAY[$2::uuid] FROM generate_series(1, $3) RETURNING id`, [owner.userId, owner.fileId, n])).rows.map((r) => r.id);
  await queue.addBulk(ids.map((id) => ({ name: 'watermark', data: { id, userId: owner.userId }, opts: buildJobOptions(cfg, id) })));
  await stack.db.query('VACUUM (ANALYZE) jobs, files');
  const poller = await stack.db.connect();
  try {
    // The poller's backend is the instrument, not the subject: its CPU is left out.
    const pollerPid: number = (await poller.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const charged = () => [child.pid!, stack.redis.process.pid!, ...withChildren(stack.pg.process!.pid!).filter((p) => p !== pollerPid)];
    const cpu0 = cpuSeconds(charged());
    const worker0 = cpuSeconds([child.pid!]);
    const t0 = performance.now();
    await queue.resume();
    const done = async () => (await poller.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) AND state = 'completed'`, [ids])).rows[0].n as number;
    while ((await done()) < n) await new Promise((r) => setTimeout(r, 20));
    return { cpuMs: ((cpuSeconds(charged()) - cpu0) / n) * 1000, workerMs: ((cpuSeconds([child.pid!]) - worker0) / n) * 1000, wall: n / ((performance.now() - t0) / 1000) };
  } finally {
    poller.release();
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number) => Math.round(x * 1000) / 1000;

const shipped = await loadShippedSettings();
const stack = await startRuntimeStack(shipped.redis, shipped.pg);
const samples = new Map<string, Sample[]>();
try {
  say(`worker floor: ${WORK_MS} ms of CPU per job in the thread; Postgres and Redis as rendered for examples/small`);
  mkdirSync(`${stack.env.STORAGE_PATH}/tmp`, { recursive: true });
  const owner = await seedOwner(stack);
  for (let rep = 0; rep < REPS; rep++) {
    // Every other pass in reverse, so the machine's drift does not always favour the same end.
    for (const v of rep % 2 ? [...VARIANTS].reverse() : VARIANTS) {
      const conn = new Redis({ host: stack.redis.host, port: stack.redis.port, maxRetriesPerRequest: null });
      const queue = new Queue(`${stack.env.QUEUE_NAME}-floor-${v.name}-${rep}`, { connection: conn });
      const child = await startChild(stack, queue.name, v.env);
      try {
        await drain(stack, queue, child, owner, 2 * JOBS); // warm-up: JIT, pools, prepared statements
        for (let i = 0; i < 2; i++) {
          const s = await drain(stack, queue, child, owner, JOBS);
          (samples.get(v.name) ?? samples.set(v.name, []).get(v.name)!).push(s);
          say(`${v.name.padEnd(7)} ${s.cpuMs.toFixed(2)} ms CPU per job (worker process ${s.workerMs.toFixed(2)}, Postgres and Redis ${(s.cpuMs - s.workerMs).toFixed(2)}), ${s.wall.toFixed(0)} jobs/s`);
        }
      } finally {
        child.kill();
        await queue.close();
        conn.disconnect();
      }
    }
  }
} finally {
  await stack.cleanup();
}

const bare = mean(samples.get('bare')!.map((s) => s.cpuMs));
const results = VARIANTS.map((v) => {
  const value = mean(samples.get(v.name)!.map((s) => s.cpuMs));
  say(`${v.name.padEnd(7)} mean ${value.toFixed(2)} ms CPU per job, ${(value - WORK_MS).toFixed(2)} beside the ${WORK_MS} ms of thread work (${(value / bare).toFixed(2)}× bare)`);
  return { name: `worker_floor_${v.name}_cpu_ms_per_job`, value: round(value), unit: 'cpu-ms/job', baseline: round(bare), ratio: round(value / bare), goal: null };
});
process.stdout.write(`${JSON.stringify({ bench: 'worker-floor', results })}\n`);
