// /v1/jobs: validated submission (per-op params, idempotency, backpressure) and status reads
// from Postgres, the durable record of every job.
import type { FastifyInstance } from 'fastify';
import type { JobOp } from '../../../contract/index.js';
import { HttpError } from '../../core/errors.js';
import { createParamsValidator } from '../../core/job-params.js';
import { buildJobOptions } from '../../core/queue.js';
import { batchPerTurn } from '../../core/batch.js';
import { findJobByIdempotencyKey, getJobsByIds, getOwnedInputs, insertJob, type JobRow } from '../../core/repo.js';
import type { ApiDeps } from '../deps.js';
import { errorSchema, idParams, jobAccepted, jobCreateBody, jobSchema } from '../schemas.js';

export function registerJobRoutes(app: FastifyInstance, d: ApiDeps): void {
  const validateParams = createParamsValidator();
  const backpressure = d.metrics.counter('httpBackpressure');
  const bodies = new WeakMap<JobRow, string>();
  // Cache misses of one turn (many clients polling jobs that just changed) load in one query.
  const loadJob = batchPerTurn((ids) => getJobsByIds(d.pool, ids));

  app.post(
    '/v1/jobs',
    {
      config: { bucket: 'request', write: true },
      schema: {
        summary: 'Submit a job; send Idempotency-Key to make retries safe',
        tags: ['jobs'],
        body: jobCreateBody,
        response: { 202: jobAccepted, 400: errorSchema, 401: errorSchema, 404: errorSchema, 429: errorSchema, 503: errorSchema },
      },
    },
    async (req, reply) => {
      const body = req.body as { op: JobOp; inputs: string[]; params?: Record<string, unknown> };
      // Lower case as Postgres prints uuids, so the owned-files lookup below matches by key.
      const inputs = body.inputs.map((id) => id.toLowerCase());
      const params = body.params ?? {};
      validateParams(body.op, inputs, params);
      const idemHeader = req.headers['idempotency-key'];
      const idemKey = typeof idemHeader === 'string' && idemHeader.length > 0 ? idemHeader.slice(0, 200) : null;
      if (idemKey) {
        const existing = await findJobByIdempotencyKey(d.pool, req.userId, idemKey);
        if (existing) return reply.code(202).header('idempotent-replayed', 'true').send({ id: existing.id, state: existing.state });
      }
      // Never accept a job that would only time out in a queue that is already too deep.
      const waiting = await d.queue.getWaitingCount();
      if (waiting > d.cfg.queueMaxDepth) {
        backpressure.inc();
        throw new HttpError(503, 'queue_full', `the job queue is full (${waiting} waiting); retry later`, { 'retry-after': '5' });
      }
      const owned = await getOwnedInputs(d.pool, req.userId, inputs);
      if (inputs.some((id) => !owned.has(id))) throw new HttpError(404, 'not_found', 'input file not found', {}, 'inputs');
      // The row and its audit entry are committed before the job is queued: a failure up to here
      // leaves no job (503), and once committed the job is the client's (202) even if queueing it
      // fails below, since the worker's reconciler queues committed jobs that the queue lacks.
      const { job, created } = await insertJob(d.pool, { userId: req.userId, op: body.op, inputs, params, idempotencyKey: idemKey });
      if (created) {
        const snapshot = { userId: req.userId, params, inputs: inputs.map((id) => owned.get(id)!) };
        try {
          await d.queue.add(body.op, { jobId: job.id, op: body.op, job: snapshot }, buildJobOptions(d.cfg.worker, job.id));
          req.log.info({ userId: req.userId, jobId: job.id, op: body.op }, 'job accepted');
        } catch (err) {
          req.log.warn({ userId: req.userId, jobId: job.id, err: (err as Error).message }, 'job accepted but not queued; the reconciler will queue it');
        }
      }
      return reply.code(202).send({ id: job.id, state: job.state });
    },
  );

  app.get(
    '/v1/jobs/:id',
    {
      config: { bucket: 'request' },
      schema: { summary: 'Job status and result file ids', tags: ['jobs'], params: idParams, response: { 200: jobSchema, 404: errorSchema } },
    },
    async (req, reply) => {
      // Lower case as Postgres prints uuids: the cache, the batch and change notices share keys.
      const id = (req.params as { id: string }).id.toLowerCase();
      // Cached rows are anyone's: ownership is checked here, and someone else's job is a 404 too.
      const job = await d.jobs.read(id, () => loadJob(id));
      if (!job || job.user_id !== req.userId) throw new HttpError(404, 'not_found', 'job not found');
      // A cache hit is the same row object, so its body (made by this route's 200 serializer) is
      // built once per cached row, not once per poll; a fresh row is a new object and a new body.
      let body = bodies.get(job);
      if (body === undefined) {
        body = reply.serialize(toJob(job)) as string;
        bodies.set(job, body);
      }
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}

export function toJob(j: JobRow) {
  const ms = (a: Date | null, b: Date | null) => (a && b ? b.getTime() - a.getTime() : null);
  return {
    id: j.id,
    op: j.op,
    state: j.state,
    progress: j.progress,
    attempts: j.attempts,
    error: j.error,
    result: j.result,
    info: j.info,
    timings: {
      createdAt: j.created_at.toISOString(),
      startedAt: j.started_at?.toISOString() ?? null,
      finishedAt: j.finished_at?.toISOString() ?? null,
      queuedMs: ms(j.created_at, j.started_at),
      runMs: ms(j.started_at, j.finished_at),
    },
  };
}
