// pdf-lib compresses every stream it writes (object streams, the cross-reference stream, new
// content streams) with pako, zlib ported to JavaScript. Each pako.deflate call allocates and
// zeroes a fresh ~256 KB state on the JS heap: in a PDF thread that was a third of the CPU of a
// 10-page watermark (op and verify) and most of its garbage. Node's own zlib is the same algorithm
// at the same default level, in C, with its state off the heap.
//
// pdf-lib calls `pako.deflate(bytes)` through the pako module object at call time, so pointing
// that one property at node:zlib switches every stream pdf-lib writes in this thread. Each worker
// thread has its own module cache, so a PDF thread installs it for itself.
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';

type Deflate = (data: Uint8Array | ArrayLike<number> | string, options?: unknown) => Uint8Array;

interface PakoModule {
  deflate: Deflate & { native?: true };
}

/** The pako instance pdf-lib itself loads (resolved from pdf-lib's own location). */
function loadPdfLibPako(): PakoModule {
  const req = createRequire(import.meta.url);
  return createRequire(req.resolve('pdf-lib'))('pako') as PakoModule;
}

/**
 * Routes pdf-lib's deflate through node:zlib. Calls with options (pdf-lib makes none; anything
 * else that shares the module might) keep pako's own implementation. Safe to call more than once.
 */
export function installNativeDeflate(): void {
  const pako = loadPdfLibPako();
  if (pako.deflate.native) return;
  const original = pako.deflate;
  const native = ((data, options) => {
    if (options !== undefined || typeof data === 'string' || !(data instanceof Uint8Array)) return original(data, options);
    const out = deflateSync(data);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }) as PakoModule['deflate'];
  native.native = true;
  pako.deflate = native;
}

/** Whether pdf-lib's streams are deflated by node:zlib in this thread. */
export function isNativeDeflateInstalled(): boolean {
  return loadPdfLibPako().deflate.native === true;
}
