// Worker-thread entry: runs one PDF task at a time off the main event loop. The thread has a heap
// limit (resourceLimits), so a hostile PDF that explodes in memory kills only this thread.
import { parentPort } from 'node:worker_threads';
import type { JobOp } from '../../../contract/index.js';
import { putBlobSync, readBlobSync, type SyncStoredBlob } from '../storage-sync.js';
import { installNativeDeflate } from './native-deflate.js';
import { checkOutput, countPages, runOp, type OpParams } from './ops.js';
import type { VerifyMode } from './verify-mode.js';
import { isDocumentError, malformed } from './input-errors.js';
import { BadInputError } from './page-ranges.js';

export type ThreadTask =
  /** Inputs as bytes; outputs come back as bytes for the caller to store. */
  | { kind: 'op'; op: JobOp; inputs: Uint8Array[]; params: OpParams; maxPages: number; verify?: VerifyMode }
  /**
   * Inputs by content address in a local store: the thread reads them and stores the verified
   * outputs itself (blocking calls are cheap here; see storage-sync.ts), and answers with the
   * stored blobs instead of bytes.
   */
  | { kind: 'stored-op'; root: string; op: JobOp; inputs: string[]; params: OpParams; maxPages: number; verify?: VerifyMode }
  | { kind: 'count'; input: Uint8Array };

export type ThreadReply =
  | { ok: true; outputs: Uint8Array[]; stored?: SyncStoredBlob[]; pages: number[]; info?: Record<string, unknown> }
  | { ok: false; badInput: boolean; message: string };

async function handle(task: ThreadTask): Promise<ThreadReply> {
  if (task.kind === 'count') {
    const n = await countPages(task.input);
    return { ok: true, outputs: [], pages: n === null ? [] : [n] };
  }
  const inputs = task.kind === 'op' ? task.inputs : task.inputs.map((sha) => readBlobSync(task.root, sha));
  const { outputs, pages, info } = await runAndVerify(task.op, inputs, task.params, task.maxPages, task.verify ?? 'full');
  if (task.kind === 'op') return { ok: true, outputs, pages, info };
  // Stored only once every output has been verified: a failed job leaves no blobs behind.
  return { ok: true, outputs: [], stored: outputs.map((out) => putBlobSync(task.root, out)), pages, info };
}

/**
 * The op and the read-back of its outputs. An input that loaded can still break the op (a page
 * without a MediaBox, a page tree that loops): pdf-lib then throws its internals, which become
 * the documented "malformed" class here, a failure for good instead of retries.
 */
async function runAndVerify(op: JobOp, inputs: Uint8Array[], params: OpParams, maxPages: number, verify: VerifyMode): Promise<{ outputs: Uint8Array[]; pages: number[]; info?: Record<string, unknown> }> {
  try {
    const res = await runOp(op, inputs, params, maxPages);
    const pages: number[] = [];
    for (let i = 0; i < res.outputs.length; i++) pages.push(await checkOutput(res.outputs[i], res.pages[i], verify));
    return { outputs: res.outputs, pages, info: res.info };
  } catch (err) {
    if (isDocumentError(err)) throw malformed(inputs.length > 1 ? 'one of the inputs' : 'input', err);
    throw err;
  }
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
