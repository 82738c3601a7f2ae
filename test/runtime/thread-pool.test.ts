// The PDF thread pool: work past its time limit is aborted, and the pool keeps serving after a
// thread is terminated or dies of its heap limit.
import { afterAll, describe, expect, it } from 'vitest';
import { createThreadPool, ResourceLimitError, TaskTimeoutError } from '../../runtime/core/pdf/thread-pool.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';

const pools: ReturnType<typeof createThreadPool>[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('thread pool', () => {
  it('aborts a task at the time limit, then keeps working', async () => {
    const pool = createThreadPool({ size: 1, memoryMb: 256, timeoutMs: 3_000 });
    pools.push(pool);
    const small = await makePdf(2);
    const warm = await pool.run({ kind: 'op', op: 'info', inputs: [small], params: {}, maxPages: 10 }); // thread booted
    expect(warm.ok).toBe(true);
    const big = await makePdf(3000, 'slow');
    const slow = createThreadPool({ size: 1, memoryMb: 512, timeoutMs: 50 });
    pools.push(slow);
    await expect(slow.run({ kind: 'op', op: 'watermark', inputs: [big], params: { text: 'x' }, maxPages: 5000 })).rejects.toBeInstanceOf(TaskTimeoutError);
    const after = await pool.run({ kind: 'op', op: 'split', inputs: [small], params: { ranges: ['1', '2'] }, maxPages: 10 });
    expect(after.ok && after.pages).toEqual([1, 1]);
  });

  it('a thread over its heap limit fails its task with ResourceLimitError and is replaced', async () => {
    const pool = createThreadPool({ size: 1, memoryMb: 16, timeoutMs: 60_000 });
    pools.push(pool);
    const big = await makePdf(2000, 'a fairly long line of text on every single page');
    await expect(pool.run({ kind: 'op', op: 'merge', inputs: [big, big], params: {}, maxPages: 100_000 })).rejects.toBeInstanceOf(ResourceLimitError);
    const small = await makePdf(1);
    const ok = await pool.run({ kind: 'op', op: 'info', inputs: [small], params: {}, maxPages: 10 });
    expect(ok.ok && ok.info?.pages).toBe(1);
  });

  it('reports bad input as such, without killing the thread', async () => {
    const pool = createThreadPool({ size: 1, memoryMb: 128, timeoutMs: 10_000 });
    pools.push(pool);
    const r = await pool.run({ kind: 'op', op: 'info', inputs: [new TextEncoder().encode('%PDF-1.7 nothing else')], params: {}, maxPages: 10 });
    expect(r).toEqual({ ok: false, badInput: true, message: 'input is truncated (no %%EOF trailer)' });
  });
});
