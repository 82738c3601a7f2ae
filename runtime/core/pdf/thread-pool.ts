// A small pool of PDF worker threads. Each thread runs one task at a time; a task past its time
// limit or a thread over its heap limit is terminated and replaced, and the task fails with a
// reason. The main event loop never does PDF work.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ThreadReply, ThreadTask } from './pdf-thread.js';

export class TaskTimeoutError extends Error {
  constructor(ms: number) {
    super(`PDF work took longer than ${ms} ms and was aborted`);
    this.name = 'TaskTimeoutError';
  }
}

export class ResourceLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceLimitError';
  }
}

export interface PoolOptions {
  size: number;
  memoryMb: number;
  timeoutMs: number;
}

interface Pending {
  task: ThreadTask;
  transfer: ArrayBuffer[];
  resolve(r: ThreadReply): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  /** Set once the thread has loaded its code: a task's time limit counts from then on. */
  ready: boolean;
  busy: Pending | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Built, the thread entry is pdf-thread.js next to this file. Under tsx or vitest it is .ts, and a
 * worker thread does not inherit the TypeScript loader, so a tiny bootstrap registers tsx first.
 */
function threadEntry(): { script: string | URL; eval: boolean } {
  const ts = new URL('./pdf-thread.ts', import.meta.url);
  if (!import.meta.url.endsWith('.ts') || !existsSync(fileURLToPath(ts))) return { script: new URL('./pdf-thread.js', import.meta.url), eval: false };
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(path.join(tsxDir, 'dist/esm/api/index.mjs')).href;
  return { script: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(ts.href)}); });`, eval: true };
}

export function createThreadPool(o: PoolOptions) {
  const entry = threadEntry();
  const slots: Slot[] = [];
  const queue: Pending[] = [];
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(entry.script, {
      eval: entry.eval,
      resourceLimits: { maxOldGenerationSizeMb: o.memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.floor(o.memoryMb / 8))) },
    });
    const slot: Slot = { worker, ready: false, busy: null, timer: null };
    worker.on('message', (reply: ThreadReply | { ready: true }) => {
      if ('ready' in reply) {
        slot.ready = true;
        pump();
      } else finish(slot, (p) => p.resolve(reply));
    });
    worker.on('error', (err: Error & { code?: string }) => {
      const msg = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `PDF work exceeded the per-job memory limit of ${o.memoryMb} MB` : `PDF thread crashed: ${err.message}`;
      replace(slot, new ResourceLimitError(msg));
    });
    worker.on('exit', () => replace(slot, new ResourceLimitError('PDF thread exited unexpectedly')));
    return slot;
  }

  function finish(slot: Slot, settle: (p: Pending) => void): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const p = slot.busy;
    slot.busy = null;
    if (p) settle(p);
    pump();
  }

  function replace(slot: Slot, err: Error): void {
    const i = slots.indexOf(slot);
    if (i < 0) return; // already replaced
    slots.splice(i, 1);
    slot.worker.removeAllListeners();
    slot.worker.on('error', () => {});
    void slot.worker.terminate();
    if (slot.timer) clearTimeout(slot.timer);
    if (slot.busy) slot.busy.reject(err);
    slot.busy = null;
    if (!closed) slots.push(spawn());
    pump();
  }

  function pump(): void {
    for (const slot of slots) {
      if (!slot.ready || slot.busy || !queue.length) continue;
      const p = queue.shift()!;
      slot.busy = p;
      slot.timer = setTimeout(() => replace(slot, new TaskTimeoutError(o.timeoutMs)), o.timeoutMs);
      slot.worker.postMessage(p.task, p.transfer);
    }
  }

  for (let i = 0; i < o.size; i++) slots.push(spawn());

  return {
    run(task: ThreadTask, transfer: ArrayBuffer[] = []): Promise<ThreadReply> {
      if (closed) return Promise.reject(new Error('thread pool is closed'));
      return new Promise((resolve, reject) => {
        queue.push({ task, transfer, resolve, reject });
        pump();
      });
    },
    async close(): Promise<void> {
      closed = true;
      const all = slots.splice(0);
      for (const s of all) s.worker.removeAllListeners();
      await Promise.all(all.map((s) => s.worker.terminate()));
    },
  };
}

export type ThreadPool = ReturnType<typeof createThreadPool>;
