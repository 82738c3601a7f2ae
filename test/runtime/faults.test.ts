// Faults the worker must survive: bad inputs fail for good with a reason (no retries), a hostile
// PDF is bounded by the thread's limits, and a worker killed with -9 mid-jobs loses nothing.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtures, makePdf, type RuntimeFixtures } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let fx: RuntimeFixtures;
let key: string;
const procs: RuntimeProcess[] = [];

beforeAll(async () => {
  stack = await startRuntimeStack();
  fx = await makeFixtures(makeTempDir('prodctl-rt-fx-'));
  api = await startProcess('api', stack.env);
  key = await mintKey(stack, 'faults');
});

afterAll(async () => {
  await Promise.all([api?.stop(), ...procs.map((p) => p.stop('SIGKILL'))]);
  await stack?.cleanup();
});

describe('bad input', () => {
  it('malformed and encrypted PDFs fail their job with a reason, once, a truncated one is refused at upload, and the worker stays up', async () => {
    const worker = await startProcess('worker', stack.env);
    procs.push(worker);
    const expectations: [string, RegExp][] = [
      [fx.malformed, /malformed/],
      [fx.encrypted, /encrypted/],
    ];
    const truncated = await uploadPdf(api.base, key, readFileSync(fx.truncated));
    expect(truncated).toEqual({ status: 415, body: { error: 'unsupported_media_type', message: 'not a PDF: no startxref and %%EOF at the end of the file (truncated or not a PDF)' } });
    for (const [file, reason] of expectations) {
      const up = await uploadPdf(api.base, key, readFileSync(file));
      expect(up.status).toBe(201); // the upload has a PDF's structure; the job finds out the rest
      expect(up.body.pages).toBeNull();
      const sub = await submitJob(api.base, key, { op: 'watermark', inputs: [up.body.id], params: { text: 'x' } });
      const job = await waitForJob(api.base, key, sub.body.id);
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(reason);
      expect(job.attempts).toBe(1); // UnrecoverableError: no retries
    }
    // Still healthy and still working.
    expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/readyz`)).status).toBe(200);
    const good = await uploadPdf(api.base, key, await makePdf(2));
    const ok = await waitForJob(api.base, key, (await submitJob(api.base, key, { op: 'info', inputs: [good.body.id] })).body.id);
    expect(ok.state).toBe('completed');
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/prodctl_jobs_total\{op="watermark",outcome="failed"\} 2/);
    await worker.stop();
  });

  it('an input deleted after its job was accepted fails the job with a reason, once; the same file twice is fine', async () => {
    // No worker yet: both jobs wait in the queue while one of the merge's inputs is deleted.
    const a = (await uploadPdf(api.base, key, await makePdf(2))).body.id;
    const bUpload = (await uploadPdf(api.base, key, await makePdf(3))).body;
    const b = bUpload.id;
    const gone = await submitJob(api.base, key, { op: 'merge', inputs: [a, b] });
    const twice = await submitJob(api.base, key, { op: 'merge', inputs: [a, a] });
    expect([gone.status, twice.status]).toEqual([202, 202]);
    expect((await fetch(`${api.base}/v1/files/${b}`, { method: 'DELETE', headers: authed(key) })).status).toBe(204);
    const worker = await startProcess('worker', stack.env);
    procs.push(worker);
    const failed = await waitForJob(api.base, key, gone.body.id);
    expect([failed.state, failed.attempts]).toEqual(['failed', 1]);
    expect(failed.error).toBe(`input file ${b} no longer exists`);
    // The attempt ran unclaimed and stored its output before the result statement found the input
    // gone: that output has no file row, so it waits for the sweeper beside the deleted input's blob.
    const unreferenced = await stack.db.query('SELECT sha256 FROM blob_tombstones t WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256)');
    expect(unreferenced.rows.map((r) => r.sha256)).toContain(bUpload.sha256);
    expect(unreferenced.rowCount).toBe(2);
    const merged = await waitForJob(api.base, key, twice.body.id);
    expect(merged.state).toBe('completed');
    expect(merged.result).toHaveLength(1);
    await worker.stop();
  });

  it('a PDF that needs more memory than the per-job limit fails with a reason and the worker stays up', async () => {
    // 2000 pages of text at a 16 MB per-job heap: the thread dies of OOM, the process does not.
    const worker = await startProcess('worker', stack.env, { PER_JOB_MEMORY_MB: '16', MAX_PAGES: '100000', JOB_TIMEOUT_MS: '60000' });
    procs.push(worker);
    const api2 = await startProcess('api', stack.env, { MAX_UPLOAD_BYTES: String(20 * 1024 * 1024) });
    procs.push(api2);
    const big = await uploadPdf(api2.base, key, await makePdf(2000, 'a fairly long line of text on every single page'));
    expect(big.status).toBe(201);
    const sub = await submitJob(api2.base, key, { op: 'merge', inputs: [big.body.id, big.body.id] });
    const job = await waitForJob(api2.base, key, sub.body.id, 90_000);
    expect(job.state).toBe('failed');
    // Usually the heap limit kills the thread; on a very busy machine GC thrash can hit the time
    // limit first. Either way the job fails for good and the worker lives on.
    expect(job.error).toMatch(/memory limit|took longer than/);
    expect(job.attempts).toBe(1);
    expect((await fetch(`http://127.0.0.1:${worker.metricsPort}/livez`)).status).toBe(200);
    await worker.stop();
    await api2.stop();
  }, 300_000);
});

describe('crash recovery', () => {
  it('kill -9 of a worker mid-jobs: every job completes exactly once', async () => {
    const file = (await uploadPdf(api.base, key, readFileSync(fx.tenPages))).body.id;
    // JOB_ACTIVE_AFTER_MS=1: first attempts run unclaimed and are recorded active within a
    // millisecond, so the poll below sees the worker busy (and the kill hits unclaimed attempts).
    const first = await startProcess('worker', stack.env, { WORKER_CONCURRENCY: '2', JOB_ACTIVE_AFTER_MS: '1' });
    procs.push(first);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await submitJob(api.base, key, { op: 'split', inputs: [file], params: { ranges: ['1-5', '6-'] } })).body.id);
    // Kill it while it holds active jobs.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await stack.db.query(`SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state = 'completed')::int AS done FROM jobs WHERE id = ANY($1::uuid[])`, [ids]);
      if (r.rows[0].active > 0 && r.rows[0].done > 0) break;
      if (Date.now() > deadline) throw new Error('worker never got busy');
      await new Promise((res) => setTimeout(res, 20));
    }
    first.child.kill('SIGKILL');
    await new Promise((res) => first.child.once('exit', res));
    const second = await startProcess('worker', stack.env);
    procs.push(second);
    for (const id of ids) expect((await waitForJob(api.base, key, id, 90_000)).state).toBe('completed');
    const outputs = await stack.db.query(`SELECT source_job_id, count(*)::int AS n FROM files WHERE source_job_id = ANY($1::uuid[]) GROUP BY source_job_id`, [ids]);
    expect(outputs.rowCount).toBe(ids.length);
    for (const row of outputs.rows) expect(row.n).toBe(2); // two outputs per job, never duplicated
    const results = await stack.db.query(`SELECT result FROM jobs WHERE id = ANY($1::uuid[])`, [ids]);
    for (const row of results.rows) expect(row.result).toHaveLength(2);
    const stalled = await (await fetch(`http://127.0.0.1:${second.metricsPort}/metrics`)).text();
    expect(stalled).toMatch(/prodctl_jobs_stalled_total \d+/);
    // Each result file downloads.
    const res = await fetch(`${api.base}/v1/files/${results.rows[0].result[0]}`, { headers: authed(key) });
    expect(res.status).toBe(200);
    await second.stop();
  });

  it('SIGTERM: the worker takes no new jobs, finishes its active ones and exits 0', async () => {
    const file = (await uploadPdf(api.base, key, readFileSync(fx.tenPages))).body.id;
    const worker = await startProcess('worker', stack.env, { WORKER_CONCURRENCY: '1', JOB_ACTIVE_AFTER_MS: '1' });
    procs.push(worker);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push((await submitJob(api.base, key, { op: 'watermark', inputs: [file], params: { text: `t${i}` } })).body.id);
    const deadline = Date.now() + 30_000;
    while ((await stack.db.query(`SELECT count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) AND state = 'active'`, [ids])).rows[0].n === 0) {
      if (Date.now() > deadline) throw new Error('worker never got busy');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await worker.stop('SIGTERM')).toBe(0);
    const states = await stack.db.query(`SELECT state, count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) GROUP BY state`, [ids]);
    const by = Object.fromEntries(states.rows.map((r) => [r.state, r.n]));
    expect(by.active ?? 0, JSON.stringify(by)).toBe(0); // nothing left half-done
    expect(by.completed).toBeGreaterThan(0);
    expect(by.queued ?? 0, JSON.stringify(by)).toBeGreaterThan(0); // it stopped taking new ones
    const next = await startProcess('worker', stack.env);
    procs.push(next);
    for (const id of ids) expect((await waitForJob(api.base, key, id, 60_000)).state).toBe('completed');
  });
});
