// Adapter: HTTP questions over undici, each with a hard timeout; errors become answers (status 0).
import { request } from 'undici';
import type { HttpAnswer } from './probes.js';

export async function httpGet(url: string, opts: { method?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<HttpAnswer> {
  const t = opts.timeoutMs ?? 3000;
  try {
    const res = await request(url, { method: (opts.method ?? 'GET') as 'GET', headers: opts.headers, headersTimeout: t, bodyTimeout: t, signal: AbortSignal.timeout(t) });
    const body = await res.body.text();
    const headers = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
    return { status: res.statusCode, headers, body };
  } catch (err) {
    return { status: 0, headers: {}, body: '', error: (err as Error).message };
  }
}

export async function httpBurst(url: string, count: number, headers: Record<string, string>): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: count }, () => httpGet(url, { headers, timeoutMs: 5000 })));
  return answers.map((a) => a.status);
}
