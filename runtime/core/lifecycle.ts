// Start-up and shutdown helpers shared by the API and the worker entry points.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { readConfig, type Role, type RuntimeConfig } from './config.js';
import { createPool, type Pool } from './db.js';
import { createLogger } from './logger.js';
import { createMetrics, watchPool, watchQueue, type RuntimeMetrics } from './metrics.js';
import { createQueue, type QueuePayload } from './queue.js';
import { formatFatal } from './errors.js';
import { runMigrations } from './migrate.js';
import { assertNoEviction, createRedis, waitReady } from './redis.js';

/** Checks Redis (reachable, noeviction) and Postgres (reachable, migrated) before serving. */
export async function prepareDependencies(cfg: RuntimeConfig, pool: Pool, redis: Redis, log: Logger): Promise<void> {
  await waitReady(redis);
  await assertNoEviction(redis);
  if (cfg.migrateOnStart) {
    const applied = await runMigrations(pool, { dir: cfg.migrationsDir, lockTimeoutMs: 60_000 });
    if (applied.length) log.info({ applied }, 'migrations applied');
  }
}

/** Runs main(); a start-up failure prints one clear line and exits 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((err) => {
    process.stderr.write(`${formatFatal(err)}\n`);
    process.exit(1);
  });
}

export function onShutdownSignal(handler: (signal: NodeJS.Signals) => Promise<void>, log: Logger): void {
  let started = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    process.on(sig, () => {
      if (started) return;
      started = true;
      log.info({ signal: sig }, 'shutting down');
      handler(sig).then(
        () => process.exit(0),
        (err) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

export interface Core {
  cfg: RuntimeConfig;
  log: Logger;
  pool: Pool;
  redis: Redis;
  metrics: RuntimeMetrics;
  queue: Queue<QueuePayload>;
}

/** What both roles start with: config, logs, Postgres, Redis (checked), metrics and the queue. */
export async function startCore(role: Role): Promise<Core> {
  const cfg = readConfig(process.env, role);
  const log = createLogger({ level: cfg.logLevel, role, release: cfg.release });
  const pool = createPool(cfg.pg, { genericPlans: role === 'worker' });
  const redis = createRedis(cfg.redis, role === 'api' ? 'producer' : 'worker', `prodctl-${role}-${process.pid}`);
  redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
  await prepareDependencies(cfg, pool, redis, log);
  const metrics = createMetrics(role, cfg.release);
  const queue = createQueue(cfg.queueName, redis);
  queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
  watchPool(metrics, pool);
  watchQueue(metrics, queue);
  return { cfg, log, pool, redis, metrics, queue };
}

/** Waits for a shutdown step, but never longer than ms: a dead Redis must not hang an exit. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([p.then(() => false, () => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms)))]);
  clearTimeout(timer);
  return !timedOut;
}
