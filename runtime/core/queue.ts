// The job queue (BullMQ): one place that knows queue options, so producer and worker agree.
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobOp } from '../../contract/index.js';
import type { RuntimeConfig } from './config.js';
import type { InputFile } from './repo.js';

export interface QueuePayload {
  jobId: string;
  op: JobOp;
  /**
   * What the worker needs to run a first attempt without reading the job row first, written by
   * the API from the same values it inserted. Absent on jobs queued by an older API: those are
   * claimed from Postgres before they run.
   */
  job?: JobSnapshot;
}

export interface JobSnapshot {
  userId: string;
  params: Record<string, unknown>;
  /** In the job's input order; content addresses never change for a file id. */
  inputs: InputFile[];
}

export function createQueue(name: string, connection: Redis): Queue<QueuePayload> {
  return new Queue<QueuePayload>(name, { connection });
}

/** Job options: retries, backoff with jitter, retention. The DB job id doubles as the BullMQ id. */
export function buildJobOptions(w: RuntimeConfig['worker'], jobId: string): JobsOptions {
  return {
    jobId,
    attempts: w.attempts,
    backoff: { type: w.backoffType, delay: w.backoffMs, jitter: w.backoffJitter },
    removeOnComplete: { age: w.removeOnComplete.age, count: w.removeOnComplete.count },
    removeOnFail: { age: w.removeOnFail.age, count: w.removeOnFail.count },
  };
}
