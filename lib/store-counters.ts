// Adapter: the data stores' own work counters, read before and after a load test so the capacity
// record can charge Postgres transactions and Redis commands to the requests and jobs it served.
import { Redis } from 'ioredis';
import pg from 'pg';

export interface StoreCounters {
  postgresTransactions: number;
  redisCommands: number;
}

export interface StoreCounterSource {
  read(): Promise<StoreCounters>;
  close(): Promise<void>;
}

export function openStoreCounters(o: { postgres: pg.PoolConfig; redis: { host: string; port: number; password?: string } }): StoreCounterSource {
  const pool = new pg.Pool({ ...o.postgres, max: 1 });
  pool.on('error', () => {});
  const redis = new Redis({ host: o.redis.host, port: o.redis.port, password: o.redis.password, maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
  redis.on('error', () => {});
  return {
    async read() {
      if (redis.status === 'wait') await redis.connect();
      const tx = await pool.query<{ n: string }>('SELECT sum(xact_commit) AS n FROM pg_stat_database');
      const info = await redis.info('stats');
      return { postgresTransactions: Number(tx.rows[0].n), redisCommands: Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? NaN) };
    },
    async close() {
      redis.disconnect();
      await pool.end();
    },
  };
}
