// API entry point: `node dist/runtime/api/main.js`, configured only by environment variables.
import { HEALTH_PATHS, REDIS_KEYS } from '../../contract/index.js';
import { createAuthenticator } from '../core/auth.js';
import { createAuthFailureLimiter } from '../core/auth-failures.js';
import { onShutdownSignal, runMain, settleWithin, startCore } from '../core/lifecycle.js';
import { serveMetrics } from '../core/metrics.js';
import { createThreadPool } from '../core/pdf/thread-pool.js';
import { createJobCache } from '../core/job-cache.js';
import { createRateLimiter } from '../core/rate-limit.js';
import { waitReady } from '../core/redis.js';
import { startReadinessMonitor } from '../core/readiness.js';
import { openBlobStore } from '../core/open-store.js';
import { buildApi } from './app.js';
import type { ApiDeps } from './deps.js';

runMain(async () => {
  const { cfg, log, pool, redis, metrics, queue } = await startCore('api');
  const ready = metrics.gauge('ready');
  const state = { draining: false };
  // Rate limiting has its own connection; the limiter itself sends the takes of one event-loop
  // turn as one script call (see rate-limit.ts), so no auto-pipelining on top.
  const limiterRedis = redis.duplicate({ connectionName: `prodctl-api-limiter-${process.pid}` });
  limiterRedis.on('error', (err) => log.warn({ err: err.message }, 'redis error (rate limiter)'));
  const jobsRedis = redis.duplicate({ connectionName: `prodctl-api-jobs-${process.pid}` });
  jobsRedis.on('error', (err) => log.warn({ err: err.message }, 'redis error (job change notices)'));
  await Promise.all([waitReady(limiterRedis), waitReady(jobsRedis)]);
  const store = openBlobStore(cfg);
  const deps: ApiDeps = {
    cfg,
    pool,
    redis,
    queue,
    store,
    // Page counting at upload runs off the event loop, bounded like a job.
    pdf: createThreadPool({ size: 1, memoryMb: cfg.worker.perJobMemoryMb, timeoutMs: Math.min(cfg.requestTimeoutMs, 15_000) }),
    metrics,
    log,
    authenticate: createAuthenticator(cfg, pool),
    authFailures: createAuthFailureLimiter({ ...cfg.authFailures, maxSources: 10_000 }),
    takeToken: createRateLimiter(limiterRedis, REDIS_KEYS.rateLimitPrefix, REDIS_KEYS.maintenance),
    state,
    jobs: await createJobCache({ subscriber: jobsRedis, channel: `${REDIS_KEYS.jobChangedChannelPrefix}${cfg.queueName}` }),
    readiness: await startReadinessMonitor({ pg: cfg.pg, redis, alsoServing: [limiterRedis], pool, migrationsDir: cfg.migrationsDir, state, store }),
  };
  const app = await buildApi(deps);
  const metricsServer = await serveMetrics(metrics, cfg.host, cfg.metricsPort);
  // Node's default accept backlog (511) overflows when an edge without a per-server connection
  // limit opens a connection per request of a burst; each dropped SYN costs its client 1–7 s.
  // The kernel caps this at net.core.somaxconn.
  await app.listen({ host: cfg.host, port: cfg.port, backlog: 4096 });
  ready.set(1);
  log.info({ port: cfg.port, metricsPort: cfg.metricsPort, ready: HEALTH_PATHS.ready }, 'api listening');

  onShutdownSignal(async () => {
    // Under an orchestrator whose discovery removes this replica on its own (Swarm's DNS), the
    // edge may still send requests for a moment after the signal: keep answering as usual, live
    // included, until it has surely stopped (DEREGISTER_DELAY_MS; 0 where prodctl drained the edge).
    if (cfg.deregisterDelayMs > 0) await new Promise((r) => setTimeout(r, cfg.deregisterDelayMs));
    // Readiness fails at once so the edge stops routing here; in-flight and new requests are
    // still served for the drain window, then keep-alives are closed and the process exits.
    deps.state.draining = true;
    ready.set(0);
    // The edge may hold idle keep-alive connections to this replica and reuse them for new requests
    // even after its discovery moved on (HAProxy keeps a server slot's idle connections when DNS
    // gives the slot another task's address): close them now. Busy ones close after their response.
    app.server.closeIdleConnections();
    await new Promise((r) => setTimeout(r, cfg.drainWindowMs));
    await settleWithin(app.close(), cfg.requestTimeoutMs);
    await deps.pdf.close();
    await deps.readiness.stop();
    await settleWithin(queue.close(), 2_000);
    redis.disconnect();
    limiterRedis.disconnect();
    deps.jobs.close();
    await settleWithin(pool.end(), 2_000);
    metricsServer.close();
    log.info('api stopped');
  }, log);
});
