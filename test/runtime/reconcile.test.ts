// Postgres is the record of every job: the worker's reconciler repairs jobs that the queue lost,
// failed or completed behind Postgres's back, and counts each repair. Also: the options a job is
// queued with are the profile's, read back from Redis.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../contract/index.js';
import { jobOptionsEnv } from '../../plan/app-services.js';
import { mergeDeep, type Plain } from '../../profile/merge.js';
import { loadPreset } from '../../profile/presets.js';
import { profileSchema } from '../../profile/schema.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let redis: Redis;
let queue: Queue;
let key: string;
let file: string;
const procs: RuntimeProcess[] = [];

// The profile's job options, rendered as the plan renders them for the api and the worker.
const profile = profileSchema.parse(
  mergeDeep(loadPreset('small'), {
    workers: { attempts: 4, backoff: { type: 'fixed', delay: '7s', jitter: 0.25 }, remove_on_complete: { age: '2h', count: 123 }, remove_on_fail: { age: '3d', count: 456 } },
  } as unknown as Plain),
);
const jobEnv = jobOptionsEnv(profile);

beforeAll(async () => {
  stack = await startRuntimeStack();
  // The test's own values are dropped: the job options come from the profile alone.
  for (const k of Object.keys(jobEnv)) delete stack.env[k];
  Object.assign(stack.env, jobEnv);
  api = await startProcess('api', stack.env);
  redis = new Redis({ host: stack.redis.host, port: stack.redis.port, maxRetriesPerRequest: null });
  queue = new Queue(stack.env[ENV.queueName], { connection: redis });
  key = await mintKey(stack, 'reconcile');
  file = (await uploadPdf(api.base, key, await makePdf(2))).body.id;
});

afterAll(async () => {
  await Promise.all([api?.stop(), ...procs.map((p) => p.stop('SIGKILL'))]);
  await queue?.close();
  redis?.disconnect();
  await stack?.cleanup();
});

async function workerMetric(w: RuntimeProcess, repair: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${w.metricsPort}/metrics`)).text();
  const m = new RegExp(`prodctl_jobs_reconciled_total\\{repair="${repair}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : -1;
}

describe('job options', () => {
  it('a job stored in Redis carries the profile’s attempts, backoff and retention', async () => {
    const sub = await submitJob(api.base, key, { op: 'info', inputs: [file] });
    expect(sub.status).toBe(202);
    const stored = await queue.getJob(sub.body.id);
    expect(stored!.opts.attempts).toBe(4);
    expect(stored!.opts.backoff).toEqual({ type: 'fixed', delay: 7_000, jitter: 0.25 });
    expect(stored!.opts.removeOnComplete).toEqual({ age: 2 * 3600, count: 123 });
    expect(stored!.opts.removeOnFail).toEqual({ age: 3 * 86_400, count: 456 });
    await queue.remove(sub.body.id);
    await stack.db.query(`UPDATE jobs SET state = 'failed', finished_at = now() WHERE id = $1`, [sub.body.id]);
  });
});

describe('reconciler', () => {
  it('repairs a job deleted from Redis behind the API’s back, and one that failed in the queue only', async () => {
    // No worker yet: both jobs wait in the queue.
    const lost = await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'lost' } });
    const failed = await submitJob(api.base, key, { op: 'info', inputs: [file] });
    expect([lost.status, failed.status]).toEqual([202, 202]);
    expect(await queue.getJobState(lost.body.id)).toBe('waiting');
    await queue.remove(lost.body.id);
    expect(await queue.getJobState(lost.body.id)).toBe('unknown');
    // A job the queue failed without Postgres hearing of it (as a worker that died while recording it).
    await redis.multi().lrem(`bull:${queue.name}:wait`, 0, failed.body.id).zadd(`bull:${queue.name}:failed`, Date.now(), failed.body.id).hset(`bull:${queue.name}:${failed.body.id}`, 'failedReason', 'gave up in the queue', 'atm', '4').exec();
    expect(await queue.getJobState(failed.body.id)).toBe('failed');

    const worker = await startProcess('worker', stack.env, { JOB_RECONCILE_INTERVAL_MS: '300', JOB_RECONCILE_GRACE_MS: '1000' });
    procs.push(worker);
    const done = await waitForJob(api.base, key, lost.body.id, 60_000);
    expect(done.state).toBe('completed');
    expect(done.result).toHaveLength(1);
    const gaveUp = await waitForJob(api.base, key, failed.body.id, 60_000);
    expect([gaveUp.state, gaveUp.error, gaveUp.attempts]).toEqual(['failed', 'gave up in the queue', 4]);
    expect(await workerMetric(worker, 'requeued')).toBe(1);
    expect(await workerMetric(worker, 'recorded_failed')).toBe(1);
    // A job accepted just now is inside the grace age and left alone, however the queue stands.
    const fresh = await submitJob(api.base, key, { op: 'info', inputs: [file] });
    expect((await waitForJob(api.base, key, fresh.body.id, 60_000)).state).toBe('completed');
    expect(await workerMetric(worker, 'requeued')).toBe(1);
    await worker.stop();
  });

  it('a job committed but not queued (the enqueue failed) is answered 202, and the reconciler queues it', async () => {
    // The API's Redis user keeps its rate-limit keys and the keys the queue-depth script reads,
    // but loses the queue's others (job ids, job hashes, events): only the enqueue after the
    // commit fails (NOPERM), as in an outage that starts between the two.
    const q = `bull:${queue.name}:`;
    await redis.call('ACL', 'SETUSER', 'default', 'resetkeys', '~prodctl:*', `~${q}`, `~${q}wait`, `~${q}paused`);
    let sub;
    try {
      sub = await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'late' } }, { 'idempotency-key': 'enqueue-failed' });
    } finally {
      await redis.call('ACL', 'SETUSER', 'default', 'allkeys');
    }
    expect(sub.status).toBe(202);
    // The log is written asynchronously: give it a moment.
    for (let i = 0; i < 50 && !api.stdout().includes('job accepted but not queued'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(api.stdout()).toContain('job accepted but not queued');
    expect(await queue.getJobState(sub.body.id)).toBe('unknown');
    const row = await stack.db.query(`SELECT state FROM jobs WHERE id = $1`, [sub.body.id]);
    expect(row.rows[0].state).toBe('queued');
    const audit = await stack.db.query(`SELECT count(*)::int AS n FROM audit WHERE action = 'job.create' AND subject = $1`, [sub.body.id]);
    expect(audit.rows[0].n).toBe(1);
    // The client's retry with the same key gets the same job.
    const again = await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'late' } }, { 'idempotency-key': 'enqueue-failed' });
    expect([again.status, again.body.id, again.headers.get('idempotent-replayed')]).toEqual([202, sub.body.id, 'true']);
    const worker = await startProcess('worker', stack.env, { JOB_RECONCILE_INTERVAL_MS: '300', JOB_RECONCILE_GRACE_MS: '1000' });
    procs.push(worker);
    const done = await waitForJob(api.base, key, sub.body.id, 60_000);
    expect([done.state, done.result.length]).toEqual(['completed', 1]);
    expect(await workerMetric(worker, 'requeued')).toBe(1);
    await worker.stop();
  });

  it('runs again a job the queue completed but Postgres never recorded', async () => {
    const sub = await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: 'again' } });
    const worker = await startProcess('worker', stack.env, { JOB_RECONCILE_INTERVAL_MS: '300', JOB_RECONCILE_GRACE_MS: '1000' });
    procs.push(worker);
    const first = await waitForJob(api.base, key, sub.body.id, 60_000);
    expect(first.state).toBe('completed');
    // Postgres set back to before the job ran (a restore to an earlier point): its result is gone.
    await stack.db.query(`DELETE FROM files WHERE source_job_id = $1`, [sub.body.id]);
    await stack.db.query(`UPDATE jobs SET state = 'queued', result = '{}', finished_at = NULL, started_at = NULL, attempts = 0 WHERE id = $1`, [sub.body.id]);
    expect(await queue.getJobState(sub.body.id)).toBe('completed');
    // The API still has the row cached as completed (nothing told it of the restore): wait for the repair.
    const deadline = Date.now() + 60_000;
    while ((await workerMetric(worker, 'rerun')) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await workerMetric(worker, 'rerun')).toBe(1);
    const again = await waitForJob(api.base, key, sub.body.id, 60_000);
    expect(again.state).toBe('completed');
    expect(again.result).toHaveLength(1);
    expect(again.result).not.toEqual(first.result);
    const outputs = await stack.db.query(`SELECT count(*)::int AS n FROM files WHERE source_job_id = $1`, [sub.body.id]);
    expect(outputs.rows[0].n).toBe(1);
    await worker.stop();
  });
});
