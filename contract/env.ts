// Environment variables the runtime reads. prodctl renders them from the profile; secrets are
// always passed as *_FILE paths, never as values, so they never show in `docker inspect` or ps.
export const ENV = {
  role: 'PRODCTL_ROLE', // api | worker
  release: 'PRODCTL_RELEASE',
  logLevel: 'LOG_LEVEL',
  host: 'HOST',
  port: 'PORT',
  metricsPort: 'METRICS_PORT',

  pgHost: 'PGHOST',
  pgPort: 'PGPORT',
  pgDatabase: 'PGDATABASE',
  pgUser: 'PGUSER',
  pgPasswordFile: 'PGPASSWORD_FILE',
  pgPoolMax: 'PG_POOL_MAX',
  pgConnectionTimeoutMs: 'PG_CONNECTION_TIMEOUT_MS',
  pgIdleTimeoutMs: 'PG_IDLE_TIMEOUT_MS',
  pgStatementTimeoutMs: 'PG_STATEMENT_TIMEOUT_MS',
  pgIdleInTxTimeoutMs: 'PG_IDLE_IN_TX_TIMEOUT_MS',
  pgApplicationName: 'PG_APPLICATION_NAME',

  redisHost: 'REDIS_HOST',
  redisPort: 'REDIS_PORT',
  redisPasswordFile: 'REDIS_PASSWORD_FILE',

  queueName: 'QUEUE_NAME',
  queueMaxDepth: 'QUEUE_MAX_DEPTH',

  storagePath: 'STORAGE_PATH',
  maxUploadBytes: 'MAX_UPLOAD_BYTES',
  storageQuotaBytes: 'STORAGE_QUOTA_BYTES',

  rateRequestsPerSecond: 'RATE_REQUESTS_PER_SECOND',
  rateBurst: 'RATE_BURST',
  rateUploadsPerMinute: 'RATE_UPLOADS_PER_MINUTE',
  requestTimeoutMs: 'REQUEST_TIMEOUT_MS',
  drainWindowMs: 'DRAIN_WINDOW_MS',
  /** Swarm only: after SIGTERM, serve as usual (live) this long before draining (see targets/swarm). */
  deregisterDelayMs: 'DEREGISTER_DELAY_MS',

  oidcIssuer: 'OIDC_ISSUER',
  oidcAudience: 'OIDC_AUDIENCE',
  oidcJwksUrl: 'OIDC_JWKS_URL',
  apiKeyPepperFile: 'API_KEY_PEPPER_FILE',

  workerConcurrency: 'WORKER_CONCURRENCY',
  jobTimeoutMs: 'JOB_TIMEOUT_MS',
  jobAttempts: 'JOB_ATTEMPTS',
  jobBackoffMs: 'JOB_BACKOFF_MS',
  jobBackoffJitter: 'JOB_BACKOFF_JITTER',
  maxPages: 'MAX_PAGES',
  maxInputBytes: 'MAX_INPUT_BYTES',
  perJobMemoryMb: 'PER_JOB_MEMORY_MB',
  removeOnCompleteAgeS: 'REMOVE_ON_COMPLETE_AGE_S',
  removeOnCompleteCount: 'REMOVE_ON_COMPLETE_COUNT',
  removeOnFailAgeS: 'REMOVE_ON_FAIL_AGE_S',
  // Added by the runtime (optional; defaults in runtime/core/config.ts).
  removeOnFailCount: 'REMOVE_ON_FAIL_COUNT',
  jobBackoffType: 'JOB_BACKOFF_TYPE', // exponential | fixed
  workerLockDurationMs: 'WORKER_LOCK_DURATION_MS',
  workerStalledIntervalMs: 'WORKER_STALLED_INTERVAL_MS',
  workerMaxStalledCount: 'WORKER_MAX_STALLED_COUNT',
  verifyOutput: 'VERIFY_OUTPUT', // full | structure | off: how a worker checks each output before the job completes (profile workers.verify_output)
  jobActiveAfterMs: 'JOB_ACTIVE_AFTER_MS', // a first attempt is recorded as active in Postgres once it has run this long (0 = at its start)
  migrationsDir: 'MIGRATIONS_DIR',
  migrateOnStart: 'MIGRATE_ON_START', // 1 = run pending migrations (under the advisory lock) before serving
  redisCommandTimeoutMs: 'REDIS_COMMAND_TIMEOUT_MS',
  apiKeyCacheMs: 'API_KEY_CACHE_MS', // how long a verified API key is trusted without asking Postgres (0 = never)
  authFailureBurst: 'AUTH_FAILURE_BURST', // failed authentications a client address may make in a row before it gets 429
  authFailuresPerMinute: 'AUTH_FAILURES_PER_MINUTE', // how fast a client address regains them
  trustProxy: 'TRUST_PROXY', // addresses (CIDRs or loopback/linklocal/uniquelocal) whose X-Forwarded-For names the client; "none" = the socket's peer
  blobGraceMs: 'BLOB_GRACE_MS', // profile storage.blob_grace: a deleted file's blob stays on disk this long (backups taken meanwhile stay restorable)
  // The worker's job reconciler (Postgres vs the queue): how often it runs, and how old a job must
  // be before it is compared, so it never races an enqueue that is still under way.
  jobReconcileIntervalMs: 'JOB_RECONCILE_INTERVAL_MS',
  jobReconcileGraceMs: 'JOB_RECONCILE_GRACE_MS',
  // Object storage (profile storage.kind: s3); credentials only as *_FILE paths.
  storageKind: 'STORAGE_KIND', // local | s3
  s3Endpoint: 'S3_ENDPOINT',
  s3Region: 'S3_REGION',
  s3Bucket: 'S3_BUCKET',
  s3Prefix: 'S3_PREFIX',
  s3ForcePathStyle: 'S3_FORCE_PATH_STYLE', // 1 = path-style URLs (MinIO, Ceph RGW)
  s3AccessKeyIdFile: 'S3_ACCESS_KEY_ID_FILE',
  s3SecretAccessKeyFile: 'S3_SECRET_ACCESS_KEY_FILE',
  s3PartSizeBytes: 'S3_PART_SIZE_BYTES',
  s3QueueSize: 'S3_QUEUE_SIZE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
