// The job reconciler: Postgres is the record of every job, the queue only carries the work. A job
// Postgres still expects to run, but that the queue lost (a Redis restart without persistence, an
// enqueue that failed after the API committed the job), failed (a job that stalled too often, a
// failure the worker could not record) or completed without its result recorded (Postgres restored
// to an earlier point) is repaired: queued again, its failure recorded, or run again.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RuntimeConfig } from '../core/config.js';
import type { Pool } from '../core/db.js';
import type { RuntimeMetrics } from '../core/metrics.js';
import { buildJobOptions, type QueuePayload } from '../core/queue.js';
import { filterUnsettled, findUnsettledJobs, markJobFailed, type UnsettledJob } from '../core/repo.js';

export type Repair = 'requeued' | 'recorded_failed' | 'rerun';

export interface ReconcilerDeps {
  cfg: RuntimeConfig;
  pool: Pool;
  redis: Redis;
  queue: Queue<QueuePayload>;
  metrics: RuntimeMetrics;
  log: Logger;
  lockKey: string;
  jobChanged(id: string): Promise<void>;
}

/** Jobs compared per round, of each state: enough for any queue under its max depth. */
const BATCH = 2_000;

/** States in which the queue still holds the job for a worker: nothing to repair. */
const CARRIED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export function createReconciler(d: ReconcilerDeps): () => Promise<Record<Repair, number>> {
  const repaired = d.metrics.counter('jobsReconciled');
  // Exported at 0 from the start, so an alert on its increase sees the first repair.
  for (const r of ['requeued', 'recorded_failed', 'rerun'] as const) repaired.inc({ repair: r }, 0);

  async function repair(job: UnsettledJob, queueState: string): Promise<Repair> {
    if (queueState === 'failed') {
      const q = await d.queue.getJob(job.id);
      const reason = q?.failedReason || 'failed in the queue';
      await markJobFailed(d.pool, job.id, reason, q?.attemptsMade ?? 0, 0);
      await d.jobChanged(job.id);
      return 'recorded_failed';
    }
    // Completed in the queue only: its result never reached Postgres, so the work is done again.
    if (queueState === 'completed') await d.queue.remove(job.id);
    // No snapshot in the payload: the worker claims the job from Postgres before it runs.
    await d.queue.add(job.op, { jobId: job.id, op: job.op }, buildJobOptions(d.cfg.worker, job.id));
    return queueState === 'completed' ? 'rerun' : 'requeued';
  }

  return async function reconcileOnce() {
    const counts: Record<Repair, number> = { requeued: 0, recorded_failed: 0, rerun: 0 };
    // One worker a round: the lock lapses by itself if that worker dies mid-round.
    const locked = await d.redis.set(d.lockKey, String(process.pid), 'PX', Math.max(1_000, d.cfg.worker.reconcileIntervalMs), 'NX');
    if (locked !== 'OK') return counts;
    const candidates = await findUnsettledJobs(d.pool, d.cfg.worker.reconcileGraceMs / 1000, BATCH);
    if (!candidates.length) return counts;
    const states = await Promise.all(candidates.map((j) => d.queue.getJobState(j.id)));
    const odd = candidates.map((job, i) => ({ job, queueState: states[i] as string })).filter((c) => !CARRIED.has(c.queueState));
    if (!odd.length) return counts;
    // Read again after the queue: a worker records a result in Postgres before the queue, so a
    // job that finished meanwhile is settled here and left alone.
    const still = await filterUnsettled(d.pool, odd.map((c) => c.job.id));
    for (const { job, queueState } of odd) {
      if (!still.has(job.id)) continue;
      const done = await repair(job, queueState);
      counts[done]++;
      repaired.inc({ repair: done });
      d.log.warn({ jobId: job.id, postgres: job.state, queue: queueState, repair: done }, 'job record and queue disagreed; repaired');
    }
    return counts;
  }
}
