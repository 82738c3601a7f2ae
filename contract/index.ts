// The only module shared by the CLI side and the runtime. Keep it tiny and dependency-free:
// both sides must agree on these names, so they live in exactly one place.
export * from './env.js';
export * from './metrics.js';

export const HEALTH_PATHS = { live: '/livez', ready: '/readyz' } as const;
export const METRICS_PATH = '/metrics';
export const DEFAULT_QUEUE_NAME = 'pdf-jobs';
/**
 * Node flags of the worker process.
 * - `--single-threaded-gc`: V8 sizes its pool of parallel GC helper threads by the host's cores,
 *   not the container's CPU quota, and on a worker those helpers compete with its PDF threads: with
 *   GC on the thread that allocates, a watermark job costs about 15 % less CPU in all.
 * - `--no-allocation-site-pretenuring`: a job's objects are garbage when it ends, but pdf-lib
 *   allocates them at the same few sites for every job, and V8 learned to allocate those straight
 *   into the old generation; each scavenge then had to walk the old-to-new pointers of dead
 *   documents (4.4–5.6 ms a scavenge instead of 0.7–0.9 ms) and mark-compacts ran 25 times instead
 *   of 11 over 5,000 jobs. Without it a PDF thread's watermark job (op, verify, store) costs
 *   1.52–1.66 ms of CPU instead of 1.88–2.18 ms.
 */
export const WORKER_NODE_FLAGS = ['--single-threaded-gc', '--no-allocation-site-pretenuring'] as const;

export const REDIS_KEYS = {
  // While set, the API answers writes with 503 + Retry-After and workers pause (used by restore).
  maintenance: 'prodctl:maintenance',
  rateLimitPrefix: 'prodctl:rl:',
  idempotencyPrefix: 'prodctl:idem:',
  // Pub/sub channel prefix (+ queue name): workers publish a job id after each state change so API
  // replicas drop their cached copy of that job.
  jobChangedChannelPrefix: 'prodctl:job-changed:',
  // (+ queue name) held by the one worker that runs the job reconciler this round.
  reconcileLockPrefix: 'prodctl:reconcile:',
} as const;

export const JOB_OPS = ['info', 'merge', 'split', 'rotate', 'watermark', 'optimize', 'extract', 'metadata'] as const;
export type JobOp = (typeof JOB_OPS)[number];

export const JOB_STATES = ['queued', 'active', 'completed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

// The route templates behind the upload and status latency objectives (alert rules, dashboards,
// `prodctl status`). The `route` label of the HTTP histogram carries exactly these templates.
export const SLI_ROUTES = {
  upload: { method: 'POST', route: '/v1/files' },
  status: { method: 'GET', route: '/v1/jobs/:id' },
} as const;
