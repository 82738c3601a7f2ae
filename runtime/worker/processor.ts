// One job attempt: inputs from storage, the PDF work in a bounded worker thread, outputs stored and
// verified, the result recorded in Postgres. Bad input fails for good (UnrecoverableError) with
// a reason on the job; anything else is retried with backoff.
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../core/config.js';
import type { Pool } from '../core/db.js';
import type { RuntimeMetrics } from '../core/metrics.js';
import { ResourceLimitError, TaskTimeoutError, type ThreadPool } from '../core/pdf/thread-pool.js';
import type { QueuePayload } from '../core/queue.js';
import type { ThreadReply } from '../core/pdf/pdf-thread.js';
import { claimJob, findMissingFile, getJobById, markJobActive, markJobFailed, markJobRetrying, type InputFile, type JobRow } from '../core/repo.js';
import { isDependencyOutage } from '../core/outage.js';
import { StoreUnavailableError, type BlobStore } from '../core/storage.js';
import { completeJob, quotaExceededMessage, type Output } from './complete-job.js';
import { createOutageBackoff, retryUntilDone, type OutageBackoff } from './outage-backoff.js';

export interface ProcessorDeps {
  cfg: RuntimeConfig;
  pool: Pool;
  store: BlobStore;
  pdf: ThreadPool;
  metrics: RuntimeMetrics;
  log: Logger;
  /** Called after each committed change of a job's row (API replicas drop their cached copy). */
  jobChanged(id: string): Promise<void>;
}

/** What one attempt works on, from the claimed row or from the queued snapshot. */
interface Work {
  id: string;
  userId: string;
  op: JobRow['op'];
  params: JobRow['params'];
  inputs: InputFile[];
}

/** The PDF work in a thread; a PDF over its memory or time limit fails for good (it would again). */
async function runInThread(d: ProcessorDeps, w: Work): Promise<ThreadReply> {
  const { op, params } = w;
  const shas = w.inputs.map((f) => f.sha256);
  const { maxPages, verifyOutput: verify } = d.cfg.worker;
  try {
    // With a local store the thread reads the inputs and stores the outputs itself, so the main
    // thread does no file I/O for the job; otherwise bytes go both ways.
    if (d.store.localRoot) return await d.pdf.run({ kind: 'stored-op', root: d.store.localRoot, op, inputs: shas, params, maxPages, verify });
    const inputs: Uint8Array[] = [];
    for (const sha of shas) inputs.push(await d.store.read(sha));
    return await d.pdf.run({ kind: 'op', op, inputs, params, maxPages, verify }, inputs.map((b) => b.buffer as ArrayBuffer));
  } catch (err) {
    if (err instanceof ResourceLimitError || err instanceof TaskTimeoutError) throw new UnrecoverableError(err.message);
    throw err;
  }
}

/**
 * A first attempt whose job carries its snapshot runs without a claim: the job row is written
 * once, when the result is recorded, instead of twice. For a job of a few milliseconds the claim
 * was about a tenth of the worker's CPU (a Postgres statement and a change notice), and "active"
 * would show for less time than any client polls. A longer attempt is still recorded as active,
 * once it has run JOB_ACTIVE_AFTER_MS. Retries and jobs back from stall recovery are claimed
 * first, since they may have finished already.
 */
function snapshotOf(d: ProcessorDeps, job: Job<QueuePayload>): Work | null {
  const s = job.data.job;
  if (!s || d.cfg.worker.activeAfterMs === 0 || job.attemptsMade > 0 || job.stalledCounter > 0) return null;
  return { id: job.data.jobId, userId: s.userId, op: job.data.op, params: s.params, inputs: s.inputs };
}

/** Claims the job row; `done` when the job finished already (delivered again after it did). */
async function claim(d: ProcessorDeps, job: Job<QueuePayload>): Promise<Work | { done: number }> {
  const claimed = await claimJob(d.pool, job.data.jobId, job.attemptsMade + 1);
  if (!claimed) {
    const done = await getJobById(d.pool, job.data.jobId);
    if (!done) throw new UnrecoverableError('job record not found in Postgres');
    return { done: done.result.length };
  }
  const row = claimed.job;
  await d.jobChanged(row.id);
  const byId = new Map(claimed.inputs.map((f) => [f.id, f]));
  const inputs = row.inputs.map((id) => {
    const f = byId.get(id);
    if (!f) throw new UnrecoverableError(`input file ${id} no longer exists`);
    return f;
  });
  return { id: row.id, userId: row.user_id, op: row.op, params: row.params, inputs };
}

/** Records the attempt as active if it is still running after JOB_ACTIVE_AFTER_MS. */
function markActiveLater(d: ProcessorDeps, w: Work, attemptNo: number, seconds: () => number, log: Logger): () => Promise<void> {
  let marking: Promise<void> | null = null;
  const timer = setTimeout(() => {
    marking = markJobActive(d.pool, w.id, attemptNo, seconds())
      .then(() => d.jobChanged(w.id))
      .catch((err) => log.warn({ err: (err as Error).message }, 'could not record the job as active'));
  }, d.cfg.worker.activeAfterMs);
  // Settled before the result is recorded, so notices go out in the order the row changed.
  return async () => {
    clearTimeout(timer);
    if (marking) await marking;
  };
}

async function failIfInputGone(d: ProcessorDeps, w: Work): Promise<void> {
  const gone = await findMissingFile(d.pool, w.inputs.map((f) => f.id));
  if (gone) throw new UnrecoverableError(`input file ${gone} no longer exists`);
}

/** The op's reply for work that passed the input size limit; an unclaimed attempt checks its inputs on failure. */
async function runWork(d: ProcessorDeps, w: Work, unclaimed: boolean, settleActive: () => Promise<void>): Promise<Extract<ThreadReply, { ok: true }>> {
  let reply: ThreadReply;
  try {
    let total = 0;
    for (const f of w.inputs) total += Number(f.bytes);
    if (total > d.cfg.worker.maxInputBytes) throw new UnrecoverableError(`inputs are ${total} bytes, over the limit of ${d.cfg.worker.maxInputBytes}`);
    reply = await runInThread(d, w);
  } catch (err) {
    // Unclaimed, nothing has checked the inputs yet: a deleted one fails the job for good.
    if (unclaimed && !(err instanceof UnrecoverableError)) await failIfInputGone(d, w);
    throw err;
  } finally {
    await settleActive();
  }
  if (!reply.ok && reply.badInput) throw new UnrecoverableError(reply.message);
  if (!reply.ok) {
    if (unclaimed) await failIfInputGone(d, w);
    throw new Error(reply.message);
  }
  return reply;
}

/** Stores outputs the thread did not store itself, then records the completed job once. */
async function recordResult(d: ProcessorDeps, w: Work, attemptNo: number, reply: Extract<ThreadReply, { ok: true }>, seconds: () => number): Promise<{ outputs: number; recorded: boolean }> {
  const outputs: Output[] = [];
  for (let i = 0; i < reply.pages.length; i++) {
    const blob = reply.stored ? reply.stored[i] : await d.store.putBuffer(reply.outputs[i]);
    outputs.push({ sha256: blob.sha256, bytes: blob.bytes, pages: reply.pages[i] });
  }
  const { recorded, inputsGone, ...quota } = await completeJob(d.pool, { id: w.id, userId: w.userId, op: w.op, attempt: attemptNo, runningSeconds: seconds() }, outputs, reply.info, d.cfg.storageQuotaBytes);
  if (quota.overQuota) throw new UnrecoverableError(quotaExceededMessage(quota.usedBytes, quota.outputBytes, d.cfg.storageQuotaBytes));
  if (inputsGone) {
    await failIfInputGone(d, w);
    throw new UnrecoverableError('an input file no longer exists');
  }
  if (recorded) await d.jobChanged(w.id);
  return { outputs: outputs.length, recorded };
}

/** One attempt end to end; `seconds`: how long it has run so far, by the monotonic clock. */
async function attempt(d: ProcessorDeps, job: Job<QueuePayload>, seconds: () => number, log: Logger): Promise<{ outputs: number; recorded: boolean }> {
  const attemptNo = job.attemptsMade + 1;
  const snapshot = snapshotOf(d, job);
  const w = snapshot ?? (await claim(d, job));
  if ('done' in w) return { outputs: w.done, recorded: false };
  const settleActive = snapshot ? markActiveLater(d, w, attemptNo, seconds, log) : async () => {};
  const reply = await runWork(d, w, snapshot !== null, settleActive);
  return await recordResult(d, w, attemptNo, reply, seconds);
}

/**
 * A backing service away (Postgres, Redis, storage) is not the job's fault: the job goes back to
 * the queue, delayed, without spending an attempt (moveToDelayed skips the attempt count), and
 * the delay grows while the outage lasts, so jobs wait for the service instead of failing.
 */
async function postpone(job: Job<QueuePayload>, token: string | undefined, err: unknown, backoff: OutageBackoff, log: Logger): Promise<never> {
  const delayMs = backoff.next();
  log.warn({ err: (err as Error).message, code: (err as { code?: string }).code, delayMs }, 'a backing service is away; job postponed without spending an attempt');
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}

/** Records a job's failure for good: retried until Postgres takes it, so no failure is lost. */
async function recordFailure(d: ProcessorDeps, job: Job<QueuePayload>, message: string, seconds: () => number, log: Logger): Promise<void> {
  await retryUntilDone(
    () => markJobFailed(d.pool, job.data.jobId, message, job.attemptsMade + 1, seconds()),
    (err, delayMs) => log.error({ err: (err as Error).message, delayMs }, 'could not record the failure; retrying'),
  );
}

const isOutage = (err: unknown) => !(err instanceof UnrecoverableError) && (isDependencyOutage(err) || err instanceof StoreUnavailableError);

export function createProcessor(d: ProcessorDeps) {
  const duration = d.metrics.histogram('jobDuration', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]);
  const total = d.metrics.counter('jobsTotal');
  const active = d.metrics.gauge('workerActive');
  const outageBackoff = createOutageBackoff();
  const count = (op: string, outcome: string, s: number) => {
    duration.observe({ op, outcome }, s);
    total.inc({ op, outcome });
  };

  /** A failed attempt: recorded as failed for good after its last attempt, as retrying before. */
  async function settleFailure(job: Job<QueuePayload>, err: unknown, seconds: () => number, log: Logger): Promise<void> {
    const message = (err as Error).message;
    const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    count(job.data.op, final ? 'failed' : 'retried', seconds());
    if (final) await recordFailure(d, job, message, seconds, log);
    else await markJobRetrying(d.pool, job.data.jobId, message, job.attemptsMade + 1).catch(() => {});
    await d.jobChanged(job.data.jobId);
    log.warn({ err: message, final }, final ? 'job failed' : 'job attempt failed; will retry');
  }

  return async function processJob(job: Job<QueuePayload>, token?: string): Promise<{ outputs: number }> {
    const started = process.hrtime.bigint();
    const log = d.log.child({ jobId: job.data.jobId, op: job.data.op, attempt: job.attemptsMade + 1 });
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    active.inc();
    try {
      const res = await attempt(d, job, seconds, log);
      outageBackoff.reset();
      count(job.data.op, 'completed', seconds());
      log.info({ outputs: res.outputs, recorded: res.recorded, ms: Math.round(seconds() * 1000) }, 'job completed');
      return { outputs: res.outputs };
    } catch (err) {
      if (isOutage(err)) {
        count(job.data.op, 'postponed', seconds());
        return await postpone(job, token, err, outageBackoff, log);
      }
      await settleFailure(job, err, seconds, log);
      throw err;
    } finally {
      active.dec();
    }
  };
}
