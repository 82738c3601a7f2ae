// One VU worker thread: runs its share of the VUs (closed model) or of the arrivals (open model)
// against one keep-alive pool, and posts an interval snapshot every second.
import { parentPort, workerData } from 'node:worker_threads';
import { parseDuration } from '../../profile/units.js';
import { peakVus, scheduleDurationMs } from '../plan.js';
import { HttpClient, type HttpResult } from './http-client.js';
import { Interrupted, buildVu, nextSingleCall, recordCall, runIteration, runPlanned, sleep, type IterationEnv, type SingleCall, type Vu } from './iterations.js';
import type { MainToWorker, WorkerInit } from './messages.js';
import { IntervalRecorder } from './recorder.js';
import { arrivalOffsets, arrivalScheduleOf, shareOf, toStages, vusAt } from './schedule.js';
import { buildMultipartPdf } from '../sample-pdf.js';

const init = workerData as WorkerInit;
const sc = init.plan.options.scenarios[init.plan.scenarioName];
let startPerf = 0; // set by the main thread's start message
const scheduleMs = scheduleDurationMs(sc);
const hardStopMs = scheduleMs + parseDuration(sc.gracefulStop);
const maxVus = shareOf(peakVus(sc), init.index, init.count);
const maxRequests = shareOf(init.plan.maxRequests, init.index, init.count);
const upload = buildMultipartPdf(Buffer.from(init.pdf));

const rec = new IntervalRecorder();
const client = new HttpClient(init.origin, maxVus, init.requestTimeoutMs);
let hardStopped = false;
let stopping = false; // no new iterations
let active = 0;
let allocated = 0;
let totalRequests = 0;

const env: IterationEnv = {
  client,
  rec,
  workload: init.plan.workload,
  upload: upload.body,
  isHardStopped: () => hardStopped,
  random: Math.random,
};

const elapsed = () => performance.now() - startPerf;

function newVu(localIndex: number): Vu {
  allocated++;
  return buildVu(init.firstVu + localIndex, init.keys[localIndex] ?? '', init.authHeader, upload.contentType, localIndex);
}

function post(final: boolean): void {
  totalRequests += rec.requests;
  rec.requests = 0;
  parentPort!.postMessage(rec.snapshot(init.index, final, active, allocated, elapsed()));
  if (totalRequests >= maxRequests) stopping = true;
}

/** `planned`: the iteration was already started by nextSingleCall and is the upload flow. */
async function timedIteration(vu: Vu, scheduledAt?: number, planned?: 'flow'): Promise<boolean> {
  const t0 = scheduledAt ?? performance.now();
  if (totalRequests + rec.requests >= maxRequests) stopping = true; // the run's request bound
  if (stopping) return false;
  active++;
  try {
    await (planned ? runPlanned(env, vu, undefined, scheduledAt) : runIteration(env, vu, scheduledAt));
    if (!hardStopped) rec.iteration((performance.now() - t0) * 1000);
    return true;
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    return false; // counted once, in hardStop()
  } finally {
    active--;
  }
}

async function runClosedVu(localIndex: number): Promise<void> {
  const vu = newVu(localIndex);
  const stages = sc.executor === 'ramping-vus' ? toStages(sc) : undefined;
  const think = init.plan.workload.thinkTimeMs;
  const parked = () => !!stages && localIndex >= shareOf(vusAt(sc.startVUs ?? 0, stages, elapsed()), init.index, init.count);
  // Spread the first iterations over one think time so 1,000 VUs do not all fire in the same ms.
  const firstAt = think > 0 ? Math.random() * think : 0;
  if (firstAt > elapsed()) await sleep(firstAt - elapsed());
  while (!stopping && elapsed() < scheduleMs) {
    if (parked()) {
      await sleep(100);
      continue;
    }
    if (think === 0) {
      // Without think time the VU is bound by request cost: run its single-request iterations
      // from the HTTP client's callbacks, back to back, until one is the upload flow (or a stop).
      const next = await runSinglesBackToBack(vu, parked);
      if (next === 'stop') return;
      if (next === 'parked') continue;
      if (!(await timedIteration(vu, undefined, 'flow'))) return;
      continue;
    }
    if (!(await timedIteration(vu))) return;
    await sleep(think);
  }
}

/**
 * One VU's status checks (or downloads) back to back, driven from the HTTP client's completion callback:
 * no promise, closure or result object per request — at one request per ~50 µs of CPU, each
 * async layer was a measurable share of it. Latency is from just before the dispatch to the end
 * of the response body, as in timedIteration. Resolves with why it stopped: 'flow' (the next
 * iteration, already started, is the upload flow), 'parked' (a ramping stage without this VU),
 * or 'stop'.
 */
function runSinglesBackToBack(vu: Vu, parked: () => boolean): Promise<'flow' | 'parked' | 'stop'> {
  return new Promise((resolve) => {
    let single: SingleCall | undefined;
    let t0 = 0;
    const onResult = (r: HttpResult) => {
      active--;
      if (hardStopped) return resolve('stop'); // interrupted: counted once, in hardStop()
      recordCall(rec, single!.endpoint, single!.req, r, t0);
      rec.iteration((r.endedAt - t0) * 1000);
      // After the client has finished this response: sending from inside its callback would queue
      // the request behind the one completing and wait a turn of the event loop.
      queueMicrotask(next);
    };
    const next = () => {
      if (totalRequests + rec.requests >= maxRequests) stopping = true; // the run's request bound
      if (stopping || elapsed() >= scheduleMs) return resolve('stop');
      if (parked()) return resolve('parked');
      single = nextSingleCall(env, vu);
      if (!single) return resolve('flow');
      active++;
      t0 = performance.now();
      client.dispatch(single.req, vu.lane, onResult);
    };
    next();
  });
}

async function runClosed(): Promise<void> {
  const loops: Promise<void>[] = [];
  for (let i = 0; i < maxVus; i++) loops.push(runClosedVu(i));
  await Promise.all(loops);
}

async function runOpen(): Promise<void> {
  const { startRate, stages, timeUnitMs } = arrivalScheduleOf(sc);
  const pre = shareOf(sc.preAllocatedVUs ?? 1, init.index, init.count);
  const free: Vu[] = [];
  for (let i = 0; i < pre; i++) free.push(newVu(i));
  const running = new Set<Promise<void>>();
  let n = 0;
  for (const offset of arrivalOffsets(startRate, stages, timeUnitMs)) {
    if (n++ % init.count !== init.index) continue;
    if (stopping) break;
    const wait = offset - elapsed();
    if (wait > 1) await sleep(wait);
    if (stopping) break;
    const vu = free.pop() ?? (allocated < maxVus ? newVu(allocated) : undefined);
    if (!vu) {
      rec.droppedIterations++;
      continue;
    }
    // Latency counts from the scheduled start: a late start is the system's delay, not hidden.
    const p: Promise<void> = timedIteration(vu, startPerf + offset).then(() => {
      free.push(vu);
      running.delete(p);
    });
    running.add(p);
  }
  await Promise.all(running);
}

async function main(): Promise<void> {
  // Every worker loads first; the main thread then starts them all at the same instant.
  const startAt = await new Promise<number>((resolve) => {
    const onStart = (m: MainToWorker) => {
      if (m.type !== 'start') return;
      parentPort!.off('message', onStart);
      resolve(m.startAt);
    };
    parentPort!.on('message', onStart);
    parentPort!.postMessage({ type: 'ready', index: init.index });
  });
  startPerf = startAt - performance.timeOrigin;
  if (elapsed() < 0) await sleep(-elapsed());
  // A tick on every whole second of the schedule, each timer set from the start rather than from
  // the previous tick (setInterval's way), so a late tick does not delay the ones after it.
  let ticker: NodeJS.Timeout | undefined;
  const scheduleTick = (n: number) => (ticker = setTimeout(() => (post(false), scheduleTick(n + 1)), Math.max(0, n * 1000 - elapsed())));
  scheduleTick(1);
  const stopTimer = setTimeout(() => (stopping = true), Math.max(0, scheduleMs - elapsed()));
  const hardTimer = setTimeout(() => hardStop(), Math.max(0, hardStopMs - elapsed()));
  parentPort!.on('message', (m: MainToWorker) => {
    if (m.type !== 'stop') return;
    stopping = true;
    if (m.hard) hardStop();
  });
  const open = sc.executor.endsWith('arrival-rate');
  await Promise.race([open ? runOpen() : runClosed(), hardStopped_()]);
  clearTimeout(ticker);
  clearTimeout(stopTimer);
  clearTimeout(hardTimer);
  post(true);
  await client.close().catch(() => undefined);
}

let resolveHard: () => void = () => undefined;
const hardPromise = new Promise<void>((r) => (resolveHard = r));
function hardStopped_(): Promise<void> {
  return hardPromise;
}
function hardStop(): void {
  if (hardStopped) return;
  hardStopped = true;
  stopping = true;
  // Iterations still running now are interrupted, as k6 does after gracefulStop.
  rec.interruptedIterations += active;
  resolveHard();
}

// The main thread terminates us after the final tick; pending think-time timers do not matter.
main().catch(
  (err) => {
    parentPort!.postMessage({ type: 'error', message: (err as Error).stack ?? String(err) });
    process.exit(1);
  },
);
