// The one adapter between the engine and the network: undici's Pool driven through `dispatch`
// with a tiny handler. No streams, no Response objects: at 1,000 VUs per 2 cores the per-request
// allocation count is what limits us. Bodies are kept only when the caller needs them.
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

export interface HttpResult {
  status: number; // 0 on a network error
  body: Buffer | undefined;
  bytesIn: number;
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
  private readonly pool: Pool;

  constructor(origin: string, connections: number, timeoutMs: number) {
    // One keep-alive connection per VU of this thread, as k6 gives each VU its own connection.
    this.pool = new Pool(origin, {
      connections: Math.max(1, connections),
      pipelining: 1,
      keepAliveTimeout: 60_000,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      connect: { timeout: Math.min(timeoutMs, 10_000) },
    });
  }

  send(req: HttpRequest): Promise<HttpResult> {
    return new Promise((resolve) => {
      let status = 0;
      let bytesIn = 0;
      const chunks: Buffer[] | undefined = req.keepBody ? [] : undefined;
      const handler: Dispatcher.DispatchHandler = {
        // undici 7 treats a handler as new-style only when it has onRequestStart.
        onRequestStart() {},
        onResponseStart(_c, statusCode) {
          status = statusCode;
        },
        onResponseData(_c, chunk) {
          bytesIn += chunk.length;
          chunks?.push(chunk);
        },
        onResponseEnd() {
          resolve({ status, bytesIn, body: chunks ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)) : undefined });
        },
        onResponseError(_c, err) {
          resolve({ status: 0, bytesIn, body: undefined, error: (err as { code?: string }).code ?? err.message });
        },
      };
      try {
        this.pool.dispatch({ origin: undefined, method: req.method, path: req.path, headers: req.headers, body: req.body }, handler);
      } catch (err) {
        resolve({ status: 0, bytesIn: 0, body: undefined, error: (err as Error).message });
      }
    });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
