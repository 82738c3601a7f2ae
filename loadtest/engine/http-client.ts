// The one adapter between the engine and the network: a small HTTP/1.1 client, one keep-alive
// connection per VU ("lane"), one request in flight on it, as k6 gives each VU its own connection.
// Hand-written over node:net/tls rather than undici because the generator's own cost shapes what
// it measures: at 100 connections against one loopback server, undici took 19–20 µs of CPU per
// request to wrk's 12–13, and the server, answering bursts from the busier client, did 1.13–1.17×
// wrk's rps at 0.83–0.87× its CPU per request, so the engine's p50 came out 0.84–0.86× wrk's.
// A bare socket client took 14 µs per request and matched wrk's rps and p50 (0.94–0.98×).
// Bodies are kept only when the caller needs them.
import net from 'node:net';
import tls from 'node:tls';
import { parseHttpHead, type ResponseHead } from './parse-http-head.js';

export interface HttpResult {
  status: number; // 0 on a network error
  body: Buffer | undefined;
  bytesIn: number;
  /** performance.now() when the response ended (or failed), taken as its last byte is parsed. */
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

interface Target {
  secure: boolean;
  host: string;
  port: number;
  /** The Host header: the origin's host and port as written. */
  authority: string;
  timeoutMs: number;
  /**
   * One read buffer for every plain-TCP lane of this client (net's `onread`): the socket reads
   * into it and calls back, with no Buffer allocated and no stream event per read. One thread
   * runs every lane, so a callback is done with the bytes before the next read lands; what a lane
   * keeps past its callback (a partial head, a body) is copied out.
   */
  readBuffer: Buffer;
}

const MAX_HEAD_BYTES = 64 * 1024;

export class HttpClient {
  private readonly lanes: (Lane | undefined)[];
  private readonly target: Target;
  private readonly sweeper: NodeJS.Timeout;
  /** Request heads by request object: a VU's status check is the same request every time. */
  private readonly heads = new WeakMap<HttpRequest, string>();

  /** `lanes`: how many VUs of this thread may use it; each lane is one connection. */
  constructor(origin: string, lanes: number, timeoutMs: number) {
    const u = new URL(origin);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') throw new Error(`unsupported protocol ${u.protocol} in ${origin}`);
    this.target = { secure, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) || (secure ? 443 : 80), authority: u.host, timeoutMs, readBuffer: Buffer.allocUnsafe(64 * 1024) };
    this.lanes = new Array<Lane | undefined>(Math.max(1, lanes));
    // One coarse timer for every lane's deadline: a timer per request would cost more than parsing it.
    this.sweeper = setInterval(() => this.expire(), Math.min(1000, Math.max(20, timeoutMs / 10)));
    this.sweeper.unref();
  }

  /**
   * Sends on the VU's own connection (`lane`: the VU's index in this thread) and calls `onResult`
   * once the response has ended or failed. The closed model's hot loop uses this directly: no
   * promise, result object or closure per request.
   */
  dispatch(req: HttpRequest, lane: number, onResult: OnResult): void {
    const l = (this.lanes[lane] ??= new Lane(this.target));
    let head = this.heads.get(req);
    if (head === undefined) {
      try {
        head = buildRequestHead(req, this.target.authority);
      } catch (err) {
        return l.refuse((err as Error).message, onResult);
      }
      this.heads.set(req, head);
    }
    l.send(req, head, onResult);
  }

  /** `dispatch` as a promise, with a result of its own (multi-step flows keep it across awaits). */
  send(req: HttpRequest, lane = 0): Promise<HttpResult> {
    return new Promise((resolve) => this.dispatch(req, lane, (r) => resolve({ status: r.status, body: r.body, bytesIn: r.bytesIn, endedAt: r.endedAt, error: r.error })));
  }

  private expire(): void {
    const now = performance.now();
    for (const l of this.lanes) if (l && l.deadline && now > l.deadline) l.fail('timeout', true);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const l of this.lanes) l?.destroy();
  }
}

/** The request line and headers. Content-Length is computed here; header values may not break lines. */
export function buildRequestHead(req: HttpRequest, authority: string): string {
  const split = (v: string) => /[\r\n]/.test(v);
  if (/\s/.test(req.path) || req.headers.some(split)) throw new Error(`request ${req.method} ${JSON.stringify(req.path)}: a header or the path holds a line break or space`);
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${authority}\r\n`;
  for (let i = 0; i + 1 < req.headers.length; i += 2) head += `${req.headers[i]}: ${req.headers[i + 1]}\r\n`;
  if (req.body !== undefined) head += `content-length: ${bodyBytes(req.body)}\r\n`;
  return `${head}\r\n`;
}

/** Bytes a request body puts on the wire (0 without one). */
export function bodyBytes(body: HttpRequest['body']): number {
  return body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
}

/** Bytes that outlive this read: copied when they are a view of the shared read buffer. */
function keep(bytes: Buffer, shared: boolean): Buffer {
  return shared ? Buffer.from(bytes) : bytes;
}

type BodyState = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailer' | 'until-close';

/**
 * One connection and its one request in flight; also the request's result object, reused for
 * every request on the lane. The socket is opened on first use and again after the server closes
 * it (Connection: close, an idle timeout, an error).
 */
class Lane implements HttpResult {
  status = 0;
  bytesIn = 0;
  endedAt = 0;
  body: Buffer | undefined = undefined;
  error: string | undefined = undefined;
  /** performance.now() by which the request in flight must have ended; 0 when idle. */
  deadline = 0;
  private socket: net.Socket | undefined;
  private onResult: OnResult | undefined;
  private chunks: Buffer[] | undefined;
  private pending: Buffer | undefined;
  private state: BodyState = 'head';
  private remaining = 0;
  private closeAfter = false;
  /** Responses completed on the current socket: more than 0 means it was reused. */
  private uses = 0;
  /** A GET sent on a reused connection, kept until its first byte arrives (see onClose). */
  private retry: { req: HttpRequest; head: string } | undefined;

  constructor(private readonly target: Target) {}

  send(req: HttpRequest, head: string, onResult: OnResult): void {
    this.status = 0;
    this.bytesIn = 0;
    this.body = undefined;
    this.error = undefined;
    this.chunks = req.keepBody ? [] : undefined;
    this.onResult = onResult;
    this.state = 'head';
    this.pending = undefined;
    this.closeAfter = false;
    this.deadline = performance.now() + this.target.timeoutMs;
    this.retry = this.socket && this.uses > 0 && req.method === 'GET' ? { req, head } : undefined;
    this.write(this.socket ?? this.open(), req, head);
  }

  private write(s: net.Socket, req: HttpRequest, head: string): void {
    if (req.body === undefined) s.write(head, 'latin1');
    else if (typeof req.body === 'string') s.write(head + req.body, 'utf8');
    else {
      s.cork();
      s.write(head, 'latin1');
      s.write(req.body);
      s.uncork();
    }
  }

  private open(): net.Socket {
    const { secure, host, port, readBuffer } = this.target;
    let s: net.Socket;
    if (secure) {
      s = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] });
      s.on('data', (chunk: Buffer) => this.onData(s, chunk, false));
    } else {
      s = net.connect({ host, port, onread: { buffer: readBuffer, callback: (n) => (this.onData(s, readBuffer.subarray(0, n), true), true) } });
    }
    s.setNoDelay(true);
    s.on('error', (err: NodeJS.ErrnoException) => this.onClose(s, err.code ?? err.message));
    s.on('close', () => this.onClose(s, 'ECONNRESET'));
    // The server ended an idle connection: do not send the next request into it.
    s.on('end', () => (this.onResult ? undefined : this.drop(s)));
    this.socket = s;
    this.uses = 0;
    return s;
  }

  private onClose(s: net.Socket, reason: string): void {
    if (this.socket !== s) return;
    this.drop(s);
    if (!this.onResult) return;
    // The server closed a kept-alive connection as we reused it (its idle timeout crossed our
    // send), before a byte of the answer: a GET is sent once more on a new connection, as
    // browsers and HTTP libraries do (RFC 9110 §9.2.2). Anything else is the server's failure.
    const again = this.retry;
    if (again && this.state === 'head' && this.bytesIn === 0) {
      this.retry = undefined;
      return this.write(this.open(), again.req, again.head);
    }
    if (this.state === 'until-close') this.complete();
    else this.fail(reason, false);
  }

  private drop(s: net.Socket): void {
    if (this.socket === s) this.socket = undefined;
    s.destroy();
  }

  /** Ends the request in flight with a network error; `reset` also closes its connection. */
  fail(reason: string, reset: boolean): void {
    if (reset && this.socket) this.drop(this.socket);
    this.status = 0;
    this.error = reason;
    this.chunks = undefined;
    this.finish();
  }

  /** Answers a request that cannot be sent at all, as a network error (status 0). */
  refuse(reason: string, onResult: OnResult): void {
    this.onResult = onResult;
    this.bytesIn = 0;
    this.body = undefined;
    this.fail(reason, false);
  }

  destroy(): void {
    if (this.socket) this.drop(this.socket);
  }

  /** `shared`: `chunk` is the client's read buffer, overwritten by the next read. */
  private onData(s: net.Socket, chunk: Buffer, shared: boolean): void {
    if (this.socket !== s) return;
    if (!this.onResult) return this.drop(s); // bytes nobody asked for: the connection is unusable
    this.retry = undefined;
    this.bytesIn += chunk.length;
    // A concatenation is a fresh buffer: nothing sliced from it needs copying.
    let buf = chunk;
    if (this.pending) (buf = Buffer.concat([this.pending, chunk])), (shared = false);
    this.pending = undefined;
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'head') {
        const end = buf.indexOf('\r\n\r\n', i, 'latin1');
        if (end < 0) {
          if (buf.length - i > MAX_HEAD_BYTES) return this.fail('response head over 64 KiB', true);
          this.pending = keep(buf.subarray(i), shared);
          return;
        }
        let head: ResponseHead;
        try {
          head = parseHttpHead(buf.toString('latin1', i, end));
        } catch (err) {
          return this.fail((err as Error).message, true);
        }
        i = end + 4;
        if (head.status < 200) continue; // 100 Continue and friends: the real answer follows
        this.status = head.status;
        this.closeAfter = head.close;
        if (head.status === 204 || head.status === 304) this.state = 'length', (this.remaining = 0);
        else if (head.chunked) this.state = 'chunk-size';
        else if (head.contentLength !== undefined) this.state = 'length', (this.remaining = head.contentLength);
        else this.state = 'until-close';
        if (this.state === 'length' && this.remaining === 0) {
          this.complete();
          break;
        }
      } else if (this.state === 'length' || this.state === 'chunk-data') {
        const n = Math.min(this.remaining, buf.length - i);
        this.chunks?.push(keep(buf.subarray(i, i + n), shared));
        i += n;
        this.remaining -= n;
        if (this.remaining > 0) return;
        if (this.state === 'chunk-data') this.state = 'chunk-end';
        else {
          this.complete();
          break;
        }
      } else if (this.state === 'until-close') {
        this.chunks?.push(keep(buf.subarray(i), shared));
        return;
      } else {
        // chunk-size, chunk-end (the CRLF after a chunk's data) and trailer are all lines.
        const eol = buf.indexOf('\r\n', i, 'latin1');
        if (eol < 0) {
          this.pending = keep(buf.subarray(i), shared);
          return;
        }
        const line = buf.toString('latin1', i, eol);
        i = eol + 2;
        if (this.state === 'chunk-end') {
          if (line !== '') return this.fail('malformed chunked body', true);
          this.state = 'chunk-size';
        } else if (this.state === 'chunk-size') {
          const size = parseInt(line, 16);
          if (!Number.isFinite(size) || size < 0) return this.fail('malformed chunk size', true);
          if (size === 0) this.state = 'trailer';
          else (this.state = 'chunk-data'), (this.remaining = size);
        } else if (line === '') {
          this.complete();
          break;
        }
      }
    }
    // A second answer to one request, or bytes after it: nothing can be trusted on this connection.
    if (i < buf.length) this.drop(s);
  }

  private complete(): void {
    this.uses++;
    if (this.closeAfter && this.socket) this.drop(this.socket);
    const c = this.chunks;
    if (c) this.body = c.length === 1 ? c[0] : Buffer.concat(c);
    this.chunks = undefined;
    this.state = 'head';
    this.finish();
  }

  private finish(): void {
    this.endedAt = performance.now();
    this.deadline = 0;
    this.retry = undefined;
    const onResult = this.onResult;
    this.onResult = undefined;
    onResult?.(this);
  }
}
