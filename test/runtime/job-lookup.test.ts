// A job's own row is looked up by its key, however deep the backlog. The statements that touch a
// queued or active job filter on `id = $1 AND state IN ('queued', 'active')`; with an index over
// queued and active jobs, statistics gathered while nothing waited made Postgres scan that whole
// index for each of them (migration 003). Counted with Postgres's own index statistics. The
// worker's pool plans each named statement once per connection (generic plans, runtime/core/db.ts).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '../../runtime/core/config.js';
import { createPool } from '../../runtime/core/db.js';
import { runMigrations } from '../../runtime/core/migrate.js';
import { claimJob, markJobActive, markJobRetrying } from '../../runtime/core/repo.js';
import { completeJob } from '../../runtime/worker/complete-job.js';
import { createDatabase, startTestPostgres, type TestPostgres } from '../support/services.js';

const BACKLOG = 500;
let server: TestPostgres;
let db: pg.Client;
let userId: string;
let queued: string[];

/** Index entries read on the jobs table so far, as Postgres counts them. */
async function jobsIndexReads(): Promise<number> {
  // This backend's counters reach the shared statistics when it is next idle.
  await db.query('SELECT pg_stat_force_next_flush()');
  const other = new pg.Client({ connectionString: server.connectionString('lookup') });
  await other.connect();
  try {
    const r = await other.query(`SELECT coalesce(sum(idx_tup_read), 0)::int AS n FROM pg_stat_user_indexes WHERE relname = 'jobs'`);
    return r.rows[0].n;
  } finally {
    await other.end();
  }
}

beforeAll(async () => {
  server = await startTestPostgres();
  const pool = new pg.Pool({ connectionString: await createDatabase(server, 'lookup'), max: 1 });
  await runMigrations(pool);
  await pool.end();
  db = new pg.Client({ connectionString: server.connectionString('lookup') });
  await db.connect();
  userId = (await db.query(`INSERT INTO users (name) VALUES ('lookup') RETURNING id`)).rows[0].id;
  const input = (await db.query(`INSERT INTO files (user_id, sha256, bytes, pages) VALUES ($1, repeat('a', 64), 100, 1) RETURNING id`, [userId])).rows[0].id;
  // Finished history, then statistics gathered while nothing waits, then the backlog.
  await db.query(`INSERT INTO jobs (user_id, op, inputs, state, finished_at) SELECT $1, 'info', ARRAY[$2::uuid], 'completed', now() FROM generate_series(1, 3000)`, [userId, input]);
  await db.query('ANALYZE');
  const r = await db.query(`INSERT INTO jobs (user_id, op, inputs) SELECT $1, 'info', ARRAY[$2::uuid] FROM generate_series(1, ${BACKLOG}) RETURNING id`, [userId, input]);
  queued = r.rows.map((row) => row.id);
}, 60_000);

afterAll(async () => {
  await db?.end();
  await server?.cleanup();
});

describe(`looking up one job with ${BACKLOG} queued`, () => {
  const CALLS = 20;

  it.each([
    ['recording a result', (id: string) => completeJob(db, { id, userId, op: 'info', attempt: 1, runningSeconds: 0.01 }, [{ sha256: 'b'.repeat(64), bytes: 10, pages: 1 }], {}, 1e12)],
    ['claiming', (id: string) => claimJob(db, id, 1)],
    ['recording an attempt as active', (id: string) => markJobActive(db, id, 1, 0.3)],
    ['recording a retry', (id: string) => markJobRetrying(db, id, 'boom', 1)],
  ])('%s reads the index entries of that job only', async (_what, run) => {
    const ids = queued.splice(0, CALLS);
    const before = await jobsIndexReads();
    for (const id of ids) await run(id);
    const reads = (await jobsIndexReads()) - before;
    // One entry per lookup by key (the result record also finds its row again to update it).
    expect(reads).toBeGreaterThanOrEqual(CALLS);
    expect(reads).toBeLessThanOrEqual(CALLS * 2);
  });
});

describe("the worker's pool", () => {
  it('plans the result statement once per connection, not at every call', async () => {
    const cfg = readConfig({ PGHOST: server.host, PGPORT: String(server.port), PGDATABASE: 'lookup', PGUSER: server.user, PG_POOL_MAX: '1', STORAGE_PATH: '/tmp' }, 'worker');
    const pool = createPool(cfg.pg, { genericPlans: true });
    try {
      for (const id of queued.splice(0, 8)) {
        const r = await completeJob(pool, { id, userId, op: 'info', attempt: 1, runningSeconds: 0.01 }, [{ sha256: 'c'.repeat(64), bytes: 10, pages: 1 }], {}, 1e12);
        expect(r).toMatchObject({ recorded: true, inputsGone: false, overQuota: false, outputBytes: 10 });
      }
      // One connection (PG_POOL_MAX=1): the statement's counters are that session's.
      const plans = await pool.query(`SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = 'complete-job'`);
      expect(plans.rows).toEqual([{ generic: 8, custom: 0 }]);
    } finally {
      await pool.end();
    }
  });
});
