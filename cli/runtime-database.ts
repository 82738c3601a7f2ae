// Where `prodctl migrate` and `prodctl keys` find the service's database and the API key pepper:
// an explicit URL (--database-url / PRODCTL_DATABASE_URL) wins; otherwise the plan (database, user,
// password secret) plus the running stack's address from <state>/native/endpoints.json.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { TargetError, UsageError } from '../lib/errors.js';
import { registerSecret } from '../lib/redact.js';
import type { StackPlan } from '../plan/types.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { secretFileOf } from '../plan/secret-file.js';
import { readSecret } from '../lib/secrets.js';

export interface DatabaseOptions {
  databaseUrl?: string;
}

export interface Endpoints {
  postgres?: { host: string; port: number };
  redis?: { host: string; port: number };
}

export function readEndpoints(stateDir: string): Endpoints | null {
  const file = path.join(stateDir, 'native', 'endpoints.json');
  if (!existsSync(file)) return null;
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}

function readPlanSecret(plan: StackPlan, name: string): string | undefined {
  const file = secretFileOf(plan, name);
  return file ? readSecret(file, `secrets.${name}`) : undefined;
}

/** pg connection settings for the service database. */
export async function resolveDatabase(ctx: CliContext, o: DatabaseOptions): Promise<pg.PoolConfig> {
  const url = o.databaseUrl ?? process.env.PRODCTL_DATABASE_URL;
  if (url) {
    registerSecret(new URL(url).password);
    return { connectionString: url };
  }
  const plan = await loadPlan(ctx);
  const p = plan.profile.postgres;
  const ep = readEndpoints(ctx.stateDir)?.postgres;
  return {
    host: ep?.host ?? '127.0.0.1',
    port: ep?.port ?? p.port,
    database: p.database,
    user: p.user,
    password: readPlanSecret(plan, p.password_secret),
  };
}

/** The API key pepper: --pepper-file, PRODCTL_API_KEY_PEPPER_FILE, or the plan's api_key_pepper secret. */
export async function resolvePepper(ctx: CliContext, pepperFile?: string): Promise<string> {
  const file = pepperFile ?? process.env.PRODCTL_API_KEY_PEPPER_FILE;
  if (file) {
    if (!existsSync(file)) throw new UsageError(`pepper file ${file} does not exist`, 'pass the file the API reads as API_KEY_PEPPER_FILE');
    return readSecret(file, '--pepper-file');
  }
  const plan = await loadPlan(ctx);
  const name = plan.secrets.find((s) => s.name === 'api_key_pepper')?.name ?? plan.secrets.find((s) => /pepper/.test(s.name))?.name;
  const value = name ? readPlanSecret(plan, name) : undefined;
  if (!value) throw new UsageError('no API key pepper secret in the profile', 'add secrets.api_key_pepper (a file with random bytes) or pass --pepper-file');
  return value;
}

/** Opens a small pool and runs fn; connection failures become a TargetError with a hint. */
export async function withDatabase<T>(cfg: pg.PoolConfig, fn: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ ...cfg, max: 2, connectionTimeoutMillis: 5_000, application_name: 'prodctl-cli' });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    const where = cfg.connectionString ? 'the --database-url' : `${cfg.host}:${cfg.port}/${cfg.database}`;
    throw new TargetError(`cannot connect to Postgres at ${where}: ${(err as Error).message}`, 'is the stack up (`prodctl status`)? or pass --database-url');
  }
  try {
    return await fn(pool);
  } finally {
    await pool.end().catch(() => {});
  }
}
