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

/**
 * Called once per request with its result. The result is the lane's own object, overwritten by
 * the lane's next request: read it before sending again on that lane.
 */
export type OnResult = (r: HttpResult) => void;

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

  /**
   * Sends on the VU's own connection (`lane`: the VU's index in this thread) and calls `onResult`
   * from undici's completion callback. The closed model's hot loop uses this directly: no promise,
   * result object or closure per request.
   */
  dispatch(req: HttpRequest, lane: number, onResult: OnResult): void {
    const client = this.laneClient(lane);
    let handler = this.handlers[lane];
    if (!handler) handler = this.handlers[lane] = new LaneHandler();
    handler.begin(req.keepBody, onResult);
    try {
      client.dispatch({ origin: undefined, method: req.method, path: req.path, headers: req.headers, body: req.body }, handler);
    } catch (err) {
      handler.onError(err as Error);
    }
  }

  /** `dispatch` as a promise, with a result of its own (multi-step flows keep it across awaits). */
  send(req: HttpRequest, lane = 0): Promise<HttpResult> {
    return new Promise((resolve) => this.dispatch(req, lane, (r) => resolve({ status: r.status, body: r.body, bytesIn: r.bytesIn, endedAt: r.endedAt, error: r.error })));
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((c) => c?.destroy()));
  }
}

/**
 * The response handler of one lane, reused for every request on it (a lane has at most one
 * request in flight), and the lane's result object. It implements undici's original handler
 * callbacks (onConnect/onHeaders/onData/onComplete/onError): undici runs them as they are, while a
 * handler with the newer onRequestStart/onResponse* callbacks is wrapped per request in an
 * adapter that also parses every response's raw headers into an object — work the engine never
 * reads (about 3 % of the VU thread's CPU, measured with --cpu-prof).
 */
class LaneHandler implements Dispatcher.DispatchHandler, HttpResult {
  status = 0;
  bytesIn = 0;
  endedAt = 0;
  body: Buffer | undefined = undefined;
  error: string | undefined = undefined;
  private chunks: Buffer[] | undefined;
  private onResult: OnResult | undefined;

  begin(keepBody: boolean, onResult: OnResult): void {
    this.status = 0;
    this.bytesIn = 0;
    this.body = undefined;
    this.error = undefined;
    this.chunks = keepBody ? [] : undefined;
    this.onResult = onResult;
  }

  onConnect(): void {}

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytesIn += chunk.length;
    this.chunks?.push(chunk);
    return true;
  }

  onComplete(): void {
    const c = this.chunks;
    if (c) this.body = c.length === 1 ? c[0] : Buffer.concat(c);
    this.finish();
  }

  onError(err: Error): void {
    this.status = 0;
    this.body = undefined;
    this.error = (err as { code?: string }).code ?? err.message;
    this.finish();
  }

  private finish(): void {
    this.endedAt = performance.now();
    const onResult = this.onResult;
    this.onResult = undefined;
    this.chunks = undefined;
    onResult?.(this);
  }
}
