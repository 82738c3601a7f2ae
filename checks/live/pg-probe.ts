// Adapter: Postgres questions over node-postgres (one short-lived client, bounded timeouts).
import pg from 'pg';
import type { Endpoint } from './probes.js';

export interface PgProbe {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export function createPgProbe(ep: Endpoint, opts: { user: string; database: string; password?: string }): PgProbe {
  // One connection shared by checks that run concurrently: memoise the promise, not the client.
  let connecting: Promise<pg.Client> | null = null;
  const connect = () => (connecting ??= open());
  const open = async () => {
    const c = new pg.Client({ host: ep.host, port: ep.port, user: opts.user, database: opts.database, password: opts.password, connectionTimeoutMillis: 3000, statement_timeout: 5000, application_name: 'prodctl-check' });
    c.on('error', () => {}); // a server going away is reported by the next query, not as a crash
    await c.connect();
    return c;
  };
  // pg queues concurrent queries on one client but deprecates it (pg 9 drops it): chain them here.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    query<T>(sql: string, params: unknown[] = []) {
      const next = queue.then(async () => (await (await connect()).query(sql, params)).rows as T[]);
      queue = next.catch(() => {});
      return next;
    },
    async close() {
      const c = connecting;
      connecting = null;
      if (c) await c.then((x) => x.end()).catch(() => {});
    },
  };
}
