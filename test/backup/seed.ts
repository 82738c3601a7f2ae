// Seeds a live stack the way the runtime would: its migrations, real blobs in its content-addressed
// store, users/files/jobs rows, and queued BullMQ jobs. Plus snapshots to compare after a restore.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import { createLocalStore } from '../../runtime/core/local-store.js';
import { runMigrations } from '../../runtime/core/migrate.js';
import { DEFAULT_QUEUE_NAME } from '../../contract/index.js';
import { openPgPool, openRedis, withPg } from './clients.js';

export interface Seeded {
  blobs: string[];
  queuedJobIds: string[];
}

export async function seedStack(o: { pgUrl: string; redis: { host: string; port: number; password?: string }; uploadsDir: string; users: number; filesPerUser: number }): Promise<Seeded> {
  const pool = openPgPool(o.pgUrl);
  const store = createLocalStore(o.uploadsDir);
  const redis = openRedis(o.redis);
  const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: redis });
  const blobs: string[] = [];
  const queuedJobIds: string[] = [];
  try {
    await runMigrations(pool, { dir: path.resolve(import.meta.dirname, '../../runtime/migrations') });
    for (let u = 0; u < o.users; u++) {
      const user = (await pool.query(`INSERT INTO users (name) VALUES ($1) RETURNING id`, [`user-${u}`])).rows[0].id as string;
      await pool.query(`INSERT INTO api_keys (user_id, prefix, key_hash) VALUES ($1, $2, $3)`, [user, `pk${u}`, createHash('sha256').update(`k${u}`).digest('hex')]);
      const fileIds: string[] = [];
      for (let f = 0; f < o.filesPerUser; f++) {
        const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(2000 + f * 97)]);
        const b = await store.putBuffer(body);
        blobs.push(b.sha256);
        const row = await pool.query(`INSERT INTO files (user_id, sha256, bytes, pages, filename) VALUES ($1, $2, $3, 1, $4) RETURNING id`, [user, b.sha256, b.bytes, `f${f}.pdf`]);
        fileIds.push(row.rows[0].id);
      }
      const done = await pool.query(
        `INSERT INTO jobs (user_id, op, inputs, params, state, progress, attempts, finished_at, info) VALUES ($1, 'info', $2, '{"x":1}', 'completed', 100, 1, now(), '{"pages":1}') RETURNING id`,
        [user, fileIds.slice(0, 1)],
      );
      await pool.query(`INSERT INTO audit (user_id, action, subject) VALUES ($1, 'job.completed', $2)`, [user, done.rows[0].id]);
      for (let q = 0; q < 3; q++) {
        const job = await pool.query(`INSERT INTO jobs (user_id, op, inputs, params) VALUES ($1, 'rotate', $2, '{"degrees":90}') RETURNING id`, [user, fileIds]);
        const id = job.rows[0].id as string;
        await queue.add('rotate', { jobId: id, op: 'rotate' }, { jobId: id, attempts: 3 });
        queuedJobIds.push(id);
      }
    }
    await redis.set('prodctl:rl:ttl-key', '1', 'EX', 3600);
  } finally {
    await queue.close();
    redis.disconnect();
    await pool.end();
  }
  return { blobs: [...new Set(blobs)].sort(), queuedJobIds: queuedJobIds.sort() };
}

/** Query results to compare before/after: every table's rows in a stable order, as text. */
export async function snapshotQueries(pgUrl: string): Promise<Record<string, unknown[]>> {
  return withPg(pgUrl, async (c) => {
    await c.query(`SET TimeZone = 'UTC'`);
    const out: Record<string, unknown[]> = {};
    for (const t of ['users', 'api_keys', 'files', 'jobs', 'audit', 'schema_migrations']) out[t] = (await c.query(`SELECT t::text AS row FROM ${t} t ORDER BY 1`)).rows.map((r) => r.row);
    out.queuedJobsJoin = (await c.query(`SELECT u.name, j.op, j.state, cardinality(j.inputs) AS n FROM jobs j JOIN users u ON u.id = j.user_id ORDER BY 1, 2, 3`)).rows;
    return out;
  });
}

export async function readQueue(redis: { host: string; port: number; password?: string }): Promise<{ waiting: string[]; data: unknown[] }> {
  const conn = openRedis(redis);
  const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: conn });
  try {
    const jobs = await queue.getWaiting(0, 1000);
    const sorted = jobs.sort((a, b) => (a.id! < b.id! ? -1 : 1));
    return { waiting: sorted.map((j) => j.id!), data: sorted.map((j) => ({ name: j.name, data: j.data, attempts: j.opts.attempts })) };
  } finally {
    await queue.close();
    conn.disconnect();
  }
}

export function hashUploads(uploadsDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const root = path.join(uploadsDir, 'blobs');
  for (const d of readdirSync(root)) for (const f of readdirSync(path.join(root, d))) out[f] = createHash('sha256').update(readFileSync(path.join(root, d, f))).digest('hex');
  return out;
}
