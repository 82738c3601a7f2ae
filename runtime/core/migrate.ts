// Versioned SQL migrations (runtime/migrations/NNN_name.sql), applied in order under a Postgres
// advisory lock so replicas (or `prodctl migrate` racing a MIGRATE_ON_START replica) never race.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

// Any fixed 64-bit number shared by every process that migrates this schema.
const ADVISORY_LOCK_ID = 7_236_120_915;

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  current: boolean;
}

/** The migrations folder: explicit, next to the sources, or next to dist/ (tsc does not copy .sql). */
export function findMigrationsDir(explicit?: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [explicit, path.resolve(here, '../migrations'), path.resolve(here, '../../../runtime/migrations')].filter(Boolean) as string[];
  const found = candidates.find((d) => existsSync(d) && readdirSync(d).some((f) => f.endsWith('.sql')));
  if (!found) throw new Error(`no migrations folder found (looked in ${candidates.join(', ')}); set MIGRATIONS_DIR`);
  return found;
}

export function listMigrations(dir: string): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const [version] = f.split('_');
      return { version, name: f.replace(/\.sql$/, ''), sql: readFileSync(path.join(dir, f), 'utf8') };
    });
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version text PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;

async function readApplied(db: pg.ClientBase | pg.Pool): Promise<string[]> {
  const exists = await db.query(`SELECT to_regclass('schema_migrations') AS t`);
  if (!exists.rows[0].t) return [];
  const r = await db.query('SELECT version FROM schema_migrations ORDER BY version');
  return r.rows.map((row: { version: string }) => row.version);
}

export async function getMigrationStatus(db: pg.ClientBase | pg.Pool, dir = findMigrationsDir()): Promise<MigrationStatus> {
  const applied = await readApplied(db);
  const pending = listMigrations(dir)
    .map((m) => m.version)
    .filter((v) => !applied.includes(v));
  return { applied, pending, current: pending.length === 0 };
}

/** Applies every pending migration, each in its own transaction; returns the names applied. */
export async function runMigrations(pool: pg.Pool, opts: { dir?: string; lockTimeoutMs?: number } = {}): Promise<string[]> {
  const dir = opts.dir ?? findMigrationsDir();
  const client = await pool.connect();
  const done: string[] = [];
  try {
    // statement_timeout of the pool would cut a long wait for the lock; lift it for this session.
    await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(opts.lockTimeoutMs ?? 0))}`);
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_ID]);
    try {
      await client.query(CREATE_TABLE);
      const applied = new Set(await readApplied(client));
      for (const m of listMigrations(dir)) {
        if (applied.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw new Error(`migration ${m.name} failed: ${(err as Error).message}`);
        }
        done.push(m.name);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_ID]).catch(() => {});
    }
  } finally {
    await client.query('RESET statement_timeout').catch(() => {});
    client.release();
  }
  return done;
}
