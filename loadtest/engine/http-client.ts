// The one adapter between the engine and the network: one undici Client (one keep-alive
// connection, no pipelining) per VU, driven through `dispatch` with a tiny handler. No streams,
// no Response objects, no Pool: a Pool scans its clients for a free one on every request, which
// at 500 VUs per thread cost more CPU than the request itself; a VU has at most one request in
// flight, so its own connection is always free — as k6 gives each VU its own connection.
// Bodies are kept only when the caller needs them.
import { Client } from 'undici';
import type { Dispatcher } from 'undici';

export interface HttpResult {
  status: number; // 0 on a network error
  body: Buffer | undefined;
  bytesIn: number;
  /** performance.now() when the response ended (or failed), taken in undici's callback: the
   * latency then excludes the promise hand-off and whatever else the event loop ran first. */
  endedAt: number;
  error?: string;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Flat [name, value, name, value…], prebuilt per VU. */
  headers: string[];
  body?: Buffer | string;
  keepBody: boolean;
}

export class HttpClient {
  private readonly lanes: (Client | undefined)[];
  private readonly handlers: (LaneHandler | undefined)[] = [];

  /** `lanes`: how many VUs of this thread may use it; each lane is one connection. */
  constructor(
    private readonly origin: string,
    lanes: number,
    private readonly timeoutMs: number,
  ) {
    this.lanes = new Array<Client | undefined>(Math.max(1, lanes));
  }

  private laneClient(lane: number): Client {
    let c = this.lanes[lane];
    if (!c || c.destroyed || c.closed) {
      const t = this.timeoutMs;
      c = new Client(this.origin, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: t, bodyTimeout: t, connect: { timeout: Math.min(t, 10_000) } });
      this.lanes[lane] = c;
    }
    return c;
  }

  /** Sends on the VU's own connection (`lane`: the VU's index in this thread). */
  send(req: HttpRequest, lane = 0): Promise<HttpResult> {
    const client = this.laneClient(lane);
    let handler = this.handlers[lane];
    if (!handler) handler = this.handlers[lane] = new LaneHandler();
    return new Promise((resolve) => {
      handler.begin(req.keepBody, resolve);
      try {
        client.dispatch({ origin: undefined, method: req.method, path: req.path, headers: req.headers, body: req.body }, handler);
      } catch (err) {
        handler.fail((err as Error).message);
      }
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((c) => c?.destroy()));
  }
}

/**
 * The response handler of one lane, reused for every request on it (a lane has at most one
 * request in flight): no closures or handler objects allocated per request.
 */
class LaneHandler implements Dispatcher.DispatchHandler {
  private status = 0;
  private bytesIn = 0;
  private chunks: Buffer[] | undefined;
  private resolve: ((r: HttpResult) => void) | undefined;

  begin(keepBody: boolean, resolve: (r: HttpResult) => void): void {
    this.status = 0;
    this.bytesIn = 0;
    this.chunks = keepBody ? [] : undefined;
    this.resolve = resolve;
  }

  // undici 7 treats a handler as new-style only when it has onRequestStart.
  onRequestStart(): void {}

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number): void {
    this.status = statusCode;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.chunks?.push(chunk);
  }

  onResponseEnd(): void {
    const c = this.chunks;
    this.finish({ status: this.status, bytesIn: this.bytesIn, endedAt: performance.now(), body: c ? (c.length === 1 ? c[0] : Buffer.concat(c)) : undefined });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.fail((err as { code?: string }).code ?? err.message);
  }

  fail(error: string): void {
    this.finish({ status: 0, bytesIn: this.bytesIn, endedAt: performance.now(), body: undefined, error });
  }

  private finish(r: HttpResult): void {
    const resolve = this.resolve;
    this.resolve = undefined;
    this.chunks = undefined;
    resolve?.(r);
  }
}
