// The worker-floor bench's subject (forked by worker-floor.bench.ts): a bare BullMQ worker whose
// jobs spend a fixed CPU loop in one of two threads, standing in for the PDF work, then record
// themselves in Postgres. Switches (env, "1" = on) add the runtime worker's own pieces one by one:
//   FLOOR_STORE    the thread stores a 3 KB output durably (storage-sync.ts: sha256, fsync, rename)
//   FLOOR_RECORD   the worker's own completion statement (complete-job.ts) instead of a one-row UPDATE
//   FLOOR_NOTIFY   the change notice to API replicas (Redis PUBLISH) and the info log line per job
// Other env: FLOOR_QUEUE, FLOOR_WORK_MS (CPU ms per job in the thread), STORAGE_PATH, PG*, REDIS_*.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createLogger } from '../runtime/core/logger.js';
import { completeJob } from '../runtime/worker/complete-job.js';

const on = (name: string) => process.env[name] === '1';

/** Xorshift rounds: pure CPU, no allocation, so each job's stand-in work costs the same. */
function spin(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x;
}

/** Rounds per millisecond of CPU, measured here before any thread starts (so the process is alone). */
function calibrate(): number {
  spin(1e6);
  const c0 = process.cpuUsage();
  spin(2e7);
  const c = process.cpuUsage(c0);
  return 2e7 / ((c.user + c.system) / 1000);
}

// A worker thread does not inherit the TypeScript loader, so the thread registers tsx first
// (as runtime/core/pdf/thread-pool.ts does for its PDF threads).
const tsxApi = pathToFileURL(path.join(path.dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
const storeModule = new URL('../runtime/core/storage-sync.ts', import.meta.url).href;
const THREAD = `
import(${JSON.stringify(tsxApi)}).then(async (tsx) => {
  tsx.register();
  const { parentPort, workerData } = await import('node:worker_threads');
  const { randomBytes } = await import('node:crypto');
  const { putBlobSync } = await import(${JSON.stringify(storeModule)});
  ${spin.toString()}
  parentPort.on('message', () => {
    spin(workerData.rounds);
    const sha256 = workerData.store ? putBlobSync(workerData.root, randomBytes(3000)).sha256 : 'a'.repeat(64);
    parentPort.postMessage({ sha256 });
  });
  parentPort.postMessage({ ready: true });
});`;

const rounds = Math.round(calibrate() * Number(process.env.FLOOR_WORK_MS ?? 2));
const threads = [0, 1].map(() => new Thread(THREAD, { eval: true, workerData: { rounds, store: on('FLOOR_STORE'), root: process.env.STORAGE_PATH } }));
await Promise.all(threads.map((t) => new Promise((ready) => t.once('message', ready))));
const idle = [...threads];
const waiting: ((t: Thread) => void)[] = [];

async function runInThread(): Promise<{ sha256: string }> {
  const t = idle.pop() ?? (await new Promise<Thread>((take) => waiting.push(take)));
  try {
    return await new Promise((reply) => {
      t.once('message', reply);
      t.postMessage(null);
    });
  } finally {
    const next = waiting.shift();
    if (next) next(t);
    else idle.push(t);
  }
}

const db = new pg.Pool({ max: 4 }); // PGHOST, PGPORT, PGUSER, PGDATABASE from the env
const redis = new Redis({ host: process.env.REDIS_HOST, port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null });
const log = createLogger({ level: on('FLOOR_NOTIFY') ? 'info' : 'warn', role: 'worker', release: 'floor' });

new Worker<{ id: string; userId: string }>(
  process.env.FLOOR_QUEUE!,
  async (job) => {
    const attempt = job.attemptsMade + 1;
    const jobLog = log.child({ jobId: job.data.id, op: 'watermark', attempt });
    const t0 = performance.now();
    const { sha256 } = await runInThread();
    if (on('FLOOR_RECORD')) {
      await completeJob(db, { id: job.data.id, userId: job.data.userId, op: 'watermark', attempt, runningSeconds: 0.01 }, [{ sha256, bytes: 3000, pages: 10 }], undefined, Number.MAX_SAFE_INTEGER);
    } else {
      await db.query({ name: 'floor-done', text: `UPDATE jobs SET state = 'completed', finished_at = now() WHERE id = $1`, values: [job.data.id] });
    }
    if (on('FLOOR_NOTIFY')) await redis.publish('floor-job-changed', job.data.id);
    jobLog.info({ outputs: 1, recorded: true, ms: Math.round(performance.now() - t0) }, 'job completed');
    return { outputs: 1 };
  },
  { connection: redis, concurrency: 2 },
);
process.send!({ ready: true });
