// Readiness, decoupled from load. A background monitor checks Postgres over its OWN connection
// (never the request pool: a saturated pool means "busy", not "down"), Redis over its own
// connection plus the state of the serving one, and migrations; /readyz answers from the last
// result at once. A dependency must fail two rounds in a row before readiness drops, so one slow
// answer under load does not flap the edge, while a real outage shows within about two rounds.
import pg from 'pg';
import type { Redis } from 'ioredis';
import type { RuntimeConfig } from './config.js';
import type { Pool } from './db.js';
import { getMigrationStatus } from './migrate.js';
import { waitReady } from './redis.js';

const CHECK_TIMEOUT_MS = 1_000;

export interface ReadinessReport {
  ready: boolean;
  /**
   * storage: the blob store's last answer. Reported, but it does not make the process unready:
   * without the store, uploads and downloads answer 503 with Retry-After while job status,
   * listings and queued work go on (a store outage must not take every replica off the edge).
   */
  checks: { postgres: string; redis: string; migrations: string; draining: 'yes' | 'no'; storage?: string };
  /** Load, for the operator: a busy pool is reported but does not make the process unready. */
  pool?: { total: number; idle: number; waiting: number };
  checkedAt: string;
}

export interface ReadinessMonitor {
  current(): ReadinessReport;
  stop(): Promise<void>;
}

export interface ReadinessOptions {
  pg: RuntimeConfig['pg'];
  redis: Redis;
  /** Further connections that serve requests (their state counts, they are not pinged). */
  alsoServing?: Redis[];
  pool?: Pool;
  migrationsDir?: string;
  state: { draining: boolean };
  /** The blob store, probed each round (reported in checks.storage). */
  store?: { check(): Promise<void> };
  everyMs?: number;
  /** Consecutive failed rounds before a dependency counts as down. */
  failuresToTrip?: number;
  /** Migrations are looked at every this many rounds (they change only on deploys). */
  migrationsEvery?: number;
}

/** Runs the first round before returning, so a process is never "ready" on no evidence. */
export async function startReadinessMonitor(o: ReadinessOptions): Promise<ReadinessMonitor> {
  const everyMs = o.everyMs ?? 1_000;
  const trip = o.failuresToTrip ?? 2;
  const migrationsEvery = o.migrationsEvery ?? 5;
  const pgProbe = createPgProbe(o.pg);
  const redisProbe = o.redis.duplicate({ connectionName: `${o.redis.options.connectionName ?? 'prodctl'}-probe`, enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: CHECK_TIMEOUT_MS, lazyConnect: false });
  redisProbe.on('error', () => {}); // reported through the checks, not as a crash
  await waitReady(redisProbe, 2_000).catch(() => {}); // a first round against a connecting client proves nothing
  const failures = { postgres: 0, redis: 0 };
  let lastGood = { postgres: 'unknown', redis: 'unknown' };
  let migrations = 'unknown';
  let report: Omit<ReadinessReport, 'pool' | 'checks'> & { checks: Omit<ReadinessReport['checks'], 'draining'> } = {
    ready: false,
    checks: { postgres: 'unknown', redis: 'unknown', migrations: 'unknown' },
    checkedAt: new Date(0).toISOString(),
  };
  let round = 0;

  async function check(): Promise<void> {
    const pgResult = settle(pgProbe.query('SELECT 1'));
    const broken = [o.redis, ...(o.alsoServing ?? [])].find((r) => r.status !== 'ready');
    const redisResult = broken ? Promise.resolve(`down: connection ${broken.status}`) : settle(redisProbe.ping());
    const migResult = round % migrationsEvery === 0 || migrations !== 'ok' ? settle(getMigrationStatus(pgProbe as unknown as pg.ClientBase, o.migrationsDir).then((s) => (s.current ? true : Promise.reject(new Error('pending: run prodctl migrate'))))) : Promise.resolve(migrations);
    const storeResult = o.store ? settle(withTimeout(o.store.check(), 3 * CHECK_TIMEOUT_MS)) : Promise.resolve(undefined);
    const [postgres, redis, mig, storage] = await Promise.all([pgResult, redisResult, migResult, storeResult]);
    round++;
    const now = { postgres, redis };
    for (const dep of ['postgres', 'redis'] as const) {
      failures[dep] = now[dep] === 'ok' ? 0 : failures[dep] + 1;
      if (now[dep] === 'ok' || failures[dep] >= trip) lastGood = { ...lastGood, [dep]: now[dep] };
    }
    if (mig === 'ok') migrations = 'ok';
    else if (mig.startsWith('down: pending')) migrations = mig.slice('down: '.length);
    else if (failures.postgres >= trip) migrations = `unknown: ${mig.slice('down: '.length)}`;
    // else: one failed round under load; keep the last answer.
    const ok = lastGood.postgres === 'ok' && lastGood.redis === 'ok' && migrations === 'ok';
    report = { ready: ok, checks: { postgres: lastGood.postgres, redis: lastGood.redis, migrations, ...(storage ? { storage } : {}) }, checkedAt: new Date().toISOString() };
  }

  await check();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    timer = setTimeout(() => void check().catch(() => {}).finally(loop), everyMs);
    timer.unref();
  };
  loop();

  return {
    current() {
      const draining = o.state.draining;
      // A closed serving connection is not "slow": it fails every request, so it counts at once.
      const broken = [o.redis, ...(o.alsoServing ?? [])].find((r) => r.status !== 'ready');
      const r = broken ? { ...report, ready: false, checks: { ...report.checks, redis: `down: connection ${broken.status}` } } : report;
      const pool = o.pool ? { total: o.pool.totalCount, idle: o.pool.idleCount, waiting: o.pool.waitingCount } : undefined;
      return { ...r, ready: r.ready && !draining, checks: { ...r.checks, draining: draining ? 'yes' : 'no' }, ...(pool ? { pool } : {}) };
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      redisProbe.disconnect();
      await pgProbe.close();
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** 'ok', or 'down: <reason>' — never throws. */
function settle(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: Error) => `down: ${e.message || 'error'}`,
  );
}

interface PgProbe extends Pick<pg.Client, 'query'> {
  close(): Promise<void>;
}

/** One dedicated Postgres connection, reopened after any error or timeout. */
function createPgProbe(cfg: RuntimeConfig['pg']): PgProbe {
  let client: Promise<pg.Client> | null = null;
  const drop = (c: Promise<pg.Client>) => {
    if (client === c) client = null;
    void c.then((x) => x.end()).catch(() => {});
  };
  const open = (): Promise<pg.Client> => {
    if (client) return client;
    const c = new pg.Client({
      host: cfg.host,
      port: cfg.port,
      database: cfg.database,
      user: cfg.user,
      password: cfg.password,
      connectionTimeoutMillis: CHECK_TIMEOUT_MS,
      query_timeout: CHECK_TIMEOUT_MS,
      statement_timeout: CHECK_TIMEOUT_MS,
      application_name: `${cfg.applicationName}-probe`,
    });
    const p = c.connect().then(() => c);
    c.on('error', () => drop(p));
    c.on('end', () => drop(p));
    client = p;
    p.catch(() => drop(p));
    return p;
  };
  const query = (async (text: string, values?: unknown[]) => {
    const p = open();
    try {
      return await (await p).query(text, values);
    } catch (err) {
      drop(p);
      throw err;
    }
  }) as PgProbe['query'];
  return {
    query,
    async close() {
      const c = client;
      client = null;
      if (c) await c.then((x) => x.end()).catch(() => {});
    },
  };
}
