// Worker entry point: `node <WORKER_NODE_FLAGS> dist/runtime/worker/main.js`, configured only by
// environment variables.
import { Worker } from 'bullmq';
import { HEALTH_PATHS, REDIS_KEYS } from '../../contract/index.js';
import { onShutdownSignal, runMain, settleWithin, startCore } from '../core/lifecycle.js';
import { serveMetrics } from '../core/metrics.js';
import { createThreadPool } from '../core/pdf/thread-pool.js';
import type { QueuePayload } from '../core/queue.js';
import { openBlobStore } from '../core/open-store.js';
import { startReadinessMonitor } from '../core/readiness.js';
import { staleTempMs, startBlobSweeper } from '../core/blob-sweeper.js';
import { createProcessor } from './processor.js';
import { publishJobChanged } from '../core/job-cache.js';
import { startReconcileLoop, watchMaintenance } from './maintenance.js';
import { createReconciler } from './reconcile.js';

runMain(async () => {
  const { cfg, log, pool, redis, metrics, queue } = await startCore('worker');
  const ready = metrics.gauge('ready');
  const pdf = createThreadPool({ size: cfg.worker.concurrency, memoryMb: cfg.worker.perJobMemoryMb, timeoutMs: cfg.worker.jobTimeoutMs });
  const store = openBlobStore(cfg);
  const channel = `${REDIS_KEYS.jobChangedChannelPrefix}${cfg.queueName}`;
  const jobChanged = (id: string) => publishJobChanged(redis, channel, id);
  const processJob = createProcessor({ cfg, pool, store, pdf, metrics, log, jobChanged });
  const worker = new Worker<QueuePayload>(cfg.queueName, processJob, {
    connection: redis,
    concurrency: cfg.worker.concurrency,
    lockDuration: cfg.worker.lockDurationMs,
    stalledInterval: cfg.worker.stalledIntervalMs,
    maxStalledCount: cfg.worker.maxStalledCount,
    autorun: false,
  });
  const stalled = metrics.counter('jobsStalled');
  worker.on('stalled', (jobId) => {
    stalled.inc();
    log.warn({ jobId }, 'stalled job handed back to the queue');
  });
  worker.on('error', (err) => log.warn({ err: err.message }, 'worker error'));
  const state = { draining: false };
  const readiness = await startReadinessMonitor({ pg: cfg.pg, redis, pool, migrationsDir: cfg.migrationsDir, state, store });
  const metricsServer = await serveMetrics(metrics, cfg.host, cfg.metricsPort, async (path) => {
    if (path === HEALTH_PATHS.live) return { status: 200, body: { status: 'ok' } };
    if (path !== HEALTH_PATHS.ready) return null;
    if (state.draining) return { status: 503, body: { status: 'draining' } };
    const r = readiness.current();
    return { status: r.ready ? 200 : 503, body: { status: r.ready ? 'ready' : 'not ready', checks: r.checks, pool: r.pool, checkedAt: r.checkedAt } };
  });
  // Checked once before taking any job, so a worker started during a restore stays idle.
  const stopMaintenance = await watchMaintenance(redis, REDIS_KEYS.maintenance, worker, log);
  const reconcile = createReconciler({ cfg, pool, redis, queue, metrics, log, jobChanged, lockKey: `${REDIS_KEYS.reconcileLockPrefix}${cfg.queueName}` });
  const stopReconciler = startReconcileLoop(reconcile, worker, log, cfg.worker.reconcileIntervalMs);
  const staleMs = staleTempMs({ requestTimeoutMs: cfg.requestTimeoutMs, jobTimeoutMs: cfg.worker.jobTimeoutMs });
  const stopSweeper = startBlobSweeper({ pool, store, graceMs: cfg.blobGraceMs, staleTempMs: staleMs, log });
  void worker.run();
  ready.set(1);
  log.info({ queue: cfg.queueName, concurrency: cfg.worker.concurrency, metricsPort: cfg.metricsPort }, 'worker started');

  onShutdownSignal(async () => {
    // No new jobs; active ones get the job timeout to finish. Whatever is still running after
    // that is left locked and comes back through stall recovery on another worker.
    state.draining = true;
    ready.set(0);
    stopMaintenance();
    stopReconciler();
    stopSweeper();
    const finished = await settleWithin(worker.close(), cfg.worker.jobTimeoutMs + 1_000);
    if (!finished) {
      log.warn('active jobs did not finish in time; handing them back via stall recovery');
      await settleWithin(worker.close(true), 2_000);
    }
    await pdf.close();
    await readiness.stop();
    await settleWithin(queue.close(), 2_000);
    redis.disconnect();
    await settleWithin(pool.end(), 2_000);
    metricsServer.close();
    log.info('worker stopped');
  }, log);
});
