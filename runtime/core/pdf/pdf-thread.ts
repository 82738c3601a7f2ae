// Worker-thread entry: runs one PDF task at a time off the main event loop. The thread has a heap
// limit (resourceLimits), so a hostile PDF that explodes in memory kills only this thread.
import { parentPort } from 'node:worker_threads';
import type { JobOp } from '../../../contract/index.js';
import { installNativeDeflate } from './native-deflate.js';
import { countPages, runOp, verifyOutput, type OpParams } from './ops.js';
import { BadInputError } from './page-ranges.js';

export type ThreadTask =
  | { kind: 'op'; op: JobOp; inputs: Uint8Array[]; params: OpParams; maxPages: number }
  | { kind: 'count'; input: Uint8Array };

export type ThreadReply =
  | { ok: true; outputs: Uint8Array[]; pages: number[]; info?: Record<string, unknown> }
  | { ok: false; badInput: boolean; message: string };

async function handle(task: ThreadTask): Promise<ThreadReply> {
  if (task.kind === 'count') {
    const n = await countPages(task.input);
    return { ok: true, outputs: [], pages: n === null ? [] : [n] };
  }
  const res = await runOp(task.op, task.inputs, task.params, task.maxPages);
  const pages: number[] = [];
  for (const out of res.outputs) pages.push(await verifyOutput(out));
  return { ok: true, outputs: res.outputs, pages, info: res.info };
}

installNativeDeflate();

parentPort?.on('message', (task: ThreadTask) => {
  handle(task).then(
    (reply) => {
      const transfer = reply.ok ? reply.outputs.map((o) => o.buffer as ArrayBuffer) : [];
      parentPort!.postMessage(reply, transfer);
    },
    (err: Error) => parentPort!.postMessage({ ok: false, badInput: err instanceof BadInputError, message: err.message } satisfies ThreadReply),
  );
});

// Tell the pool the code is loaded; task time limits start counting from here.
parentPort?.postMessage({ ready: true });
