// The built-in engine: one worker thread per core, each with its share of VUs and a keep-alive
// pool; the main thread merges their HDR snapshots, draws the live line and enforces the bounds.
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseDuration } from '../../profile/units.js';
import { peakVus, scheduleDurationMs, type LoadPlan } from '../plan.js';
import { Aggregate } from './aggregate.js';
import type { MainToWorker, WorkerInit, WorkerTick, WorkerToMain } from './messages.js';
import { shareOf } from './schedule.js';
import { isLoopbackHost } from '../safety.js';

export interface EngineInput {
  plan: LoadPlan;
  /** http://host:port of the target; paths are the API's (/v1/...). */
  origin: string;
  /** One API key per VU (index 0 is VU 1). */
  keys: string[];
  pdf: Uint8Array;
  authHeader?: 'authorization' | 'x-api-key';
  requestTimeoutMs?: number;
  threads?: number;
  /** Called about once a second with the live numbers. */
  onProgress?: (p: Progress) => void;
  /**
   * Each worker's interval snapshot as it arrives, after it is merged: for a caller that needs a
   * cut the totals do not keep (the calibration bench leaves out the first second).
   */
  onTick?: (tick: WorkerTick) => void;
  signal?: AbortSignal;
}

export interface Progress {
  elapsedMs: number;
  rps: number;
  p95Ms: number;
  errorRate: number;
  vus: number;
  requests: number;
}

export interface EngineRun {
  aggregate: Aggregate;
  startedAt: number;
  durationMs: number;
  threads: number;
  stoppedBy?: 'max_requests' | 'max_duration' | 'signal';
  /** CPU seconds the load generator itself used from the start (all threads): it shares the machine with the target. */
  cpuSeconds: number;
}

function spawnWorker(init: WorkerInit): Worker {
  // From dist/ the worker is plain JS; from the TypeScript sources (tests, tsx) it is loaded
  // through tsx's API, because Node 20 workers do not take loader flags in execArgv.
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./vu-worker.js', import.meta.url), { workerData: init });
  const entry = new URL('./vu-worker.ts', import.meta.url).href;
  // The ESM build of tsx's API, found from our own node_modules (not from the cwd).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(code, { eval: true, workerData: init });
}

/**
 * One VU thread per core — but one core fewer when the target runs on this machine: the target
 * needs a core to answer, and a generator thread competing with it for the same cores measured
 * 20–30 % less throughput than one thread fewer (bench/loadtest.bench.ts).
 */
export function defaultThreads(origin: string, cores = os.availableParallelism()): number {
  const loopback = isLoopbackHost(new URL(origin).hostname);
  return Math.max(1, loopback ? cores - 1 : cores);
}

export async function runEngine(input: EngineInput): Promise<EngineRun> {
  const { plan } = input;
  const sc = plan.options.scenarios[plan.scenarioName];
  const vus = peakVus(sc);
  const threads = Math.max(1, Math.min(input.threads ?? defaultThreads(input.origin), vus));
  if (input.keys.length < vus) throw new Error(`need ${vus} API keys (one per VU), got ${input.keys.length}`);
  const agg = new Aggregate();
  let startAt = Number.POSITIVE_INFINITY;
  let ready = 0;
  let startReady: () => void = () => undefined;
  const allReady = new Promise<void>((r) => (startReady = r));
  const workers: Worker[] = [];
  const finished: Promise<void>[] = [];
  let firstVu = 1;
  let stoppedBy: EngineRun['stoppedBy'];
  let lastRequests = 0;
  let lastAt = startAt;

  for (let index = 0; index < threads; index++) {
    const share = shareOf(vus, index, threads);
    const init: WorkerInit = {
      index,
      count: threads,
      origin: input.origin,
      plan,
      keys: input.keys.slice(firstVu - 1, firstVu - 1 + share),
      firstVu,
      pdf: input.pdf,
      authHeader: input.authHeader ?? 'authorization',
      requestTimeoutMs: input.requestTimeoutMs ?? 60_000,
    };
    firstVu += share;
    const w = spawnWorker(init);
    workers.push(w);
    finished.push(
      new Promise<void>((resolve, reject) => {
        w.on('message', (m: WorkerToMain) => {
          if (m.type === 'error') return reject(new Error(`VU worker ${index} failed: ${m.message}`));
          if (m.type === 'ready') return void (++ready === threads && startReady());
          agg.add(m);
          input.onTick?.(m);
          if (m.final) void w.terminate().then(() => resolve());
        });
        w.on('error', reject);
        w.on('exit', () => resolve());
      }),
    );
  }

  // A worker that fails while loading rejects its promise; do not wait for "ready" forever then.
  await Promise.race([allReady, Promise.all(finished)]);
  // CPU from here on: the run, not loading the workers (under tsx that is compiling them).
  const cpu0 = process.cpuUsage();
  startAt = Date.now() + 50;
  lastAt = startAt;
  workers.forEach((w) => w.postMessage({ type: 'start', startAt } satisfies MainToWorker));
  const stopAll = (hard: boolean) => workers.forEach((w) => w.postMessage({ type: 'stop', hard } satisfies MainToWorker));
  // Belt and braces on top of the workers' own timers: never run past max_duration.
  const budget = Math.min(plan.maxDurationMs, scheduleDurationMs(sc) + parseDuration(sc.gracefulStop) + 5_000);
  const hardCap = setTimeout(() => {
    stoppedBy ??= 'max_duration';
    stopAll(true);
  }, startAt - Date.now() + budget);
  const onAbort = () => {
    stoppedBy ??= 'signal';
    stopAll(true);
  };
  input.signal?.addEventListener('abort', onAbort, { once: true });
  const progress = setInterval(() => {
    const now = Date.now();
    const requests = agg.requests;
    if (requests >= plan.maxRequests && !stoppedBy) {
      stoppedBy = 'max_requests';
      stopAll(true);
    }
    if (!input.onProgress || now < startAt) return;
    const m = agg.merged(() => true);
    input.onProgress({
      elapsedMs: now - startAt,
      rps: ((requests - lastRequests) * 1000) / Math.max(1, now - lastAt),
      p95Ms: m.hist.totalCount ? m.hist.getValueAtPercentile(95) / 1000 : 0,
      errorRate: m.count ? m.failed / m.count : 0,
      vus: agg.activeVus(),
      requests,
    });
    m.hist.destroy();
    lastRequests = requests;
    lastAt = now;
  }, 1000);
  try {
    await Promise.all(finished);
  } finally {
    clearTimeout(hardCap);
    clearInterval(progress);
    input.signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  const cpu = process.cpuUsage(cpu0);
  return { aggregate: agg, startedAt: startAt, durationMs: Math.max(1, Date.now() - startAt), threads, stoppedBy, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}
