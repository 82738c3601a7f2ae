// Readiness of a process: Postgres and Redis reachable within a second, migrations current.
import type { Redis } from 'ioredis';
import type { Pool } from './db.js';

const CHECK_TIMEOUT_MS = 1_000;

export async function probeReadiness(d: { pool: Pool; redis: Redis; checkMigrations(): Promise<boolean>; state: { draining: boolean } }): Promise<Record<string, string>> {
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), CHECK_TIMEOUT_MS).unref())]);
  const [pg, redis, migrations] = await Promise.all([
    within(d.pool.query('SELECT 1')).then(() => 'ok', (e: Error) => `down: ${e.message}`),
    within(d.redis.ping()).then(() => 'ok', (e: Error) => `down: ${e.message}`),
    within(d.checkMigrations()).then((ok) => (ok ? 'ok' : 'pending: run prodctl migrate'), (e: Error) => `unknown: ${e.message}`),
  ]);
  return { postgres: pg, redis, migrations, draining: d.state.draining ? 'yes' : 'no' };
}
