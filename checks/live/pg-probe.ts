// Adapter: Postgres questions over node-postgres (one short-lived client, bounded timeouts).
import pg from 'pg';
import type { Endpoint } from './probes.js';

export interface PgProbe {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function createPgProbe(ep: Endpoint, opts: { user: string; database: string; password?: string }): PgProbe {
  let client: pg.Client | null = null;
  const connect = async () => {
    if (client) return client;
    const c = new pg.Client({ host: ep.host, port: ep.port, user: opts.user, database: opts.database, password: opts.password, connectionTimeoutMillis: 3000, statement_timeout: 5000, application_name: 'prodctl-check' });
    await c.connect();
    client = c;
    return c;
  };
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const c = await connect();
      return (await c.query(sql, params)).rows as T[];
    },
    async close() {
      await client?.end().catch(() => {});
      client = null;
    },
  };
}
