// Every class of hostile input ends in a documented, user-facing reason that fails the job for
// good, never in pdf-lib's internals: table-driven over a generated corpus (empty, truncated,
// encrypted, cycle, deep nesting, bomb, too many pages, byte mutants, structural mutants), first
// in real PDF threads with their memory and time limits, then end to end through a worker, after
// which nothing may be left active (in the queue, in Postgres or in the worker's metrics).
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAD_INPUT_CLASSES } from '../../runtime/core/pdf/input-errors.js';
import { createThreadPool } from '../../runtime/core/pdf/thread-pool.js';
import { makeHostileCorpus, type HostileClass, type HostileFile } from '../fixtures/runtime/hostile-corpus.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

type ClassName = keyof typeof BAD_INPUT_CLASSES;
const BAD_INPUT = Object.keys(BAD_INPUT_CLASSES).filter((c) => c !== 'overMemory' && c !== 'overTime') as ClassName[];

/** Which documented classes each corpus class may end in; `ok` when the job may succeed. */
const EXPECTED: Record<HostileClass, { classes: ClassName[]; ok?: boolean }> = {
  empty: { classes: ['notPdf'] },
  truncated: { classes: ['truncated'] },
  encrypted: { classes: ['encrypted'] },
  cycle: { classes: ['malformed'] },
  'deep nesting': { classes: ['malformed'] },
  // Inflated while loading: the thread's heap limit, its time limit or the parser stops it.
  bomb: { classes: ['overMemory', 'overTime', 'malformed'] },
  'too many pages': { classes: ['tooManyPages'] },
  // Random bytes in the body: some still load (the op then succeeds), the rest are bad input.
  mutant: { classes: BAD_INPUT, ok: true },
};

const classOf = (message: string): ClassName | null => (Object.entries(BAD_INPUT_CLASSES).find(([, re]) => re.test(message))?.[0] as ClassName) ?? null;

/** Keys whose absence pdf-lib meets only while working on a loaded document (not at load). */
async function structuralMutants(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const plain = Buffer.from(await (await PDFDocument.load(await makePdf(3))).save({ useObjectStreams: false })).toString('latin1');
  // Renamed to a name of the same length, so the xref's offsets stay right.
  return ['/MediaBox', '/Kids', '/Pages', '/Type'].map((key) => ({ name: `without ${key}`, bytes: Buffer.from(plain.split(key).join(`/X${'x'.repeat(key.length - 2)}`), 'latin1') }));
}

let corpus: HostileFile[];
beforeAll(async () => {
  corpus = await makeHostileCorpus({ bombBytes: 400 * 1024 * 1024, pages: 5000, mutants: 40 });
}, 120_000);

describe('bad input classes in the PDF threads', () => {
  it('each corpus class ends in its documented reason, as bad input (no retries)', async () => {
    const pool = createThreadPool({ size: 2, memoryMb: 64, timeoutMs: 20_000 });
    try {
      const rows = await Promise.all(
        corpus.map(async (f) => {
          try {
            const r = await pool.run({ kind: 'op', op: 'watermark', inputs: [Uint8Array.from(f.bytes)], params: { text: 'x' }, maxPages: 2000 });
            return { f, ok: r.ok, badInput: r.ok ? null : r.badInput, message: r.ok ? '' : r.message };
          } catch (err) {
            // Over memory or time: the pool's own errors, which the processor fails for good.
            return { f, ok: false, badInput: true, message: (err as Error).message };
          }
        }),
      );
      for (const { f, ok, badInput, message } of rows) {
        const want = EXPECTED[f.cls];
        const label = `${f.cls}: ${f.name} → ${ok ? 'ok' : message}`;
        if (ok) {
          expect(want.ok, label).toBe(true);
          continue;
        }
        expect(badInput, label).toBe(true);
        expect(want.classes, label).toContain(classOf(message));
      }
      // The corpus must exercise what it claims: every non-mutant class fails, some mutants fail.
      for (const cls of Object.keys(EXPECTED).filter((c) => c !== 'mutant')) expect(rows.filter((r) => r.f.cls === cls).every((r) => !r.ok), cls).toBe(true);
      expect(rows.filter((r) => r.f.cls === 'mutant' && !r.ok).length).toBeGreaterThan(10);
    } finally {
      await pool.close();
    }
  }, 180_000);

  it.each(['watermark', 'rotate', 'split', 'merge'] as const)('structural mutants under %s fail as "malformed" in words, not pdf-lib internals', async (op) => {
    const pool = createThreadPool({ size: 1, memoryMb: 128, timeoutMs: 20_000 });
    try {
      for (const m of await structuralMutants()) {
        const inputs = op === 'merge' ? [m.bytes, m.bytes] : [m.bytes];
        const r = await pool.run({ kind: 'op', op, inputs: inputs.map((b) => Uint8Array.from(b)), params: { text: 'x', degrees: 90, ranges: ['1-2'] }, maxPages: 2000 });
        // Pages are copied as they are by rotate, split and merge: only the watermark needs a MediaBox.
        if (r.ok && m.name === 'without /MediaBox' && op !== 'watermark') continue;
        expect(r.ok, m.name).toBe(false);
        if (r.ok) continue;
        expect(r.badInput, `${m.name}: ${r.message}`).toBe(true);
        expect(classOf(r.message), `${m.name}: ${r.message}`).toBe('malformed');
        expect(r.message).not.toMatch(/instance of|_this|undefined|\{"line"/);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);
});

describe('bad input end to end', () => {
  let stack: RuntimeStack;
  let api: RuntimeProcess;
  let worker: RuntimeProcess;
  beforeAll(async () => {
    stack = await startRuntimeStack();
    api = await startProcess('api', stack.env, { RATE_REQUESTS_PER_SECOND: '1000', RATE_BURST: '1000', RATE_UPLOADS_PER_MINUTE: '1000' });
    worker = await startProcess('worker', stack.env, { PER_JOB_MEMORY_MB: '64', JOB_TIMEOUT_MS: '20000', WORKER_CONCURRENCY: '2' });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop('SIGKILL')]);
    await stack?.cleanup();
  });

  it('every class fails its job once with its reason (or is refused at upload), and nothing stays active', async () => {
    const key = await mintKey(stack, 'hostile');
    const files = [...corpus.filter((f) => f.cls !== 'mutant'), ...corpus.filter((f) => f.cls === 'mutant').slice(0, 10), ...(await structuralMutants()).map((m) => ({ cls: 'mutant' as const, name: m.name, bytes: m.bytes }))];
    const jobs: { f: HostileFile; id: string }[] = [];
    for (const f of files) {
      const up = await uploadPdf(api.base, key, f.bytes);
      if (up.status === 415) {
        // Refused at upload by the structural check: the class must be one the check can see.
        expect(['empty', 'truncated', 'mutant'], `${f.name}: ${up.body.message}`).toContain(f.cls);
        continue;
      }
      expect(up.status, `${f.name}: ${JSON.stringify(up.body)}`).toBe(201);
      const sub = await submitJob(api.base, key, { op: 'watermark', inputs: [up.body.id], params: { text: 'x' } });
      expect(sub.status).toBe(202);
      jobs.push({ f, id: sub.body.id });
    }
    for (const { f, id } of jobs) {
      const job = await waitForJob(api.base, key, id, 90_000);
      const label = `${f.cls}: ${f.name} → ${job.state} ${job.error ?? ''}`;
      if (job.state === 'completed') {
        expect(f.cls, label).toBe('mutant');
        continue;
      }
      expect(job.state, label).toBe('failed');
      expect(job.attempts, label).toBe(1);
      expect(classOf(job.error), label).not.toBeNull();
    }
    // Nothing left active anywhere: the queue, Postgres, and the gauge `prodctl status` reads.
    const conn = new Redis({ host: stack.redis.host, port: stack.redis.port, maxRetriesPerRequest: null });
    const queue = new Queue(stack.env.QUEUE_NAME, { connection: conn });
    try {
      expect(await queue.getJobCounts('active', 'waiting', 'delayed')).toMatchObject({ active: 0, waiting: 0, delayed: 0 });
    } finally {
      await queue.close();
      conn.disconnect();
    }
    expect((await stack.db.query(`SELECT count(*)::int AS n FROM jobs WHERE state IN ('queued', 'active')`)).rows[0].n).toBe(0);
    const metrics = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/prodctl_queue_jobs\{state="active"\} 0/);
    expect(metrics).toMatch(/^prodctl_worker_active_jobs 0$/m);
  }, 400_000);
});
