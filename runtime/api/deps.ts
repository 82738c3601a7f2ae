// Everything the API's routes need, passed explicitly (no module-level singletons).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Authenticate } from '../core/auth.js';
import type { AuthFailureLimiter } from '../core/auth-failures.js';
import type { RuntimeConfig } from '../core/config.js';
import type { Pool } from '../core/db.js';
import type { RuntimeMetrics } from '../core/metrics.js';
import type { ThreadPool } from '../core/pdf/thread-pool.js';
import type { QueuePayload } from '../core/queue.js';
import type { JobCache } from '../core/job-cache.js';
import type { RateLimiter } from '../core/rate-limit.js';
import type { ReadinessMonitor } from '../core/readiness.js';
import type { BlobStore } from '../core/storage.js';

export interface ApiState {
  draining: boolean;
}

export interface ApiDeps {
  cfg: RuntimeConfig;
  pool: Pool;
  redis: Redis;
  queue: Queue<QueuePayload>;
  store: BlobStore;
  pdf: ThreadPool;
  metrics: RuntimeMetrics;
  log: Logger;
  authenticate: Authenticate;
  authFailures: AuthFailureLimiter;
  takeToken: RateLimiter;
  state: ApiState;
  readiness: ReadinessMonitor;
  jobs: JobCache;
}

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
    /** The matched route's template ('unmatched' for 404s), set once in onRequest. */
    routeUrl: string;
  }
  interface FastifySchema {
    summary?: string;
    tags?: string[];
  }
  interface FastifyContextConfig {
    /** Which token bucket the route draws from; routes without one need no auth. */
    bucket?: 'request' | 'upload';
    write?: boolean;
  }
}
