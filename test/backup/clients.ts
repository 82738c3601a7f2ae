// Test-side database clients that can never outlive a test: each one has an 'error' listener (a
// server stopped by afterAll terminates idle sessions with 57P01, which without a listener is an
// uncaught exception in whichever test file runs next) and is closed in `finally`, also when an
// assertion inside throws.
import { Redis } from 'ioredis';
import pg from 'pg';

export async function withPg<T>(connectionString: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

export function openPgPool(connectionString: string): pg.Pool {
  const pool = new pg.Pool({ connectionString });
  pool.on('error', () => {});
  return pool;
}

export async function withRedis<T>(conn: { host: string; port: number; password?: string }, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = openRedis(conn);
  try {
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export function openRedis(conn: { host: string; port: number; password?: string }): Redis {
  const r = new Redis({ host: conn.host, port: conn.port, password: conn.password, maxRetriesPerRequest: null });
  r.on('error', () => {});
  return r;
}
