// The API and worker services: one runtime image, two entry points, configured only through the
// contract's environment names (secrets as *_FILE paths).
import { DEFAULT_QUEUE_NAME, ENV, HEALTH_PATHS, WORKER_NODE_FLAGS } from '../contract/index.js';
import { parseDuration, parseSize } from '../profile/units.js';
import type { Profile } from '../profile/schema.js';
import { secretPath } from './file-paths.js';
import { httpHealthcheck, volume, type ServiceDraft } from './harden.js';

export const RUNTIME_USER = '10001:10001';
const HEALTHCHECK_CMD = ['CMD', 'node', 'dist/runtime/healthcheck.js'];

/** Environment both roles share: Postgres, Redis, queue, storage. */
export function sharedAppEnv(p: Profile, role: 'api' | 'worker', release: string): Record<string, string> {
  return {
    [ENV.role]: role,
    [ENV.release]: release,
    [ENV.logLevel]: 'info',
    [ENV.host]: '0.0.0.0',
    [ENV.pgHost]: 'postgres',
    [ENV.pgPort]: String(p.postgres.port),
    [ENV.pgDatabase]: p.postgres.database,
    [ENV.pgUser]: p.postgres.user,
    [ENV.pgPasswordFile]: secretPath(p.postgres.password_secret),
    [ENV.pgPoolMax]: String(p.postgres.pool_size),
    [ENV.pgConnectionTimeoutMs]: String(parseDuration(p.postgres.pool.connection_timeout)),
    [ENV.pgIdleTimeoutMs]: String(parseDuration(p.postgres.pool.idle_timeout)),
    [ENV.pgStatementTimeoutMs]: String(parseDuration(p.postgres.statement_timeout)),
    [ENV.pgIdleInTxTimeoutMs]: String(parseDuration(p.postgres.idle_in_transaction_session_timeout)),
    [ENV.pgApplicationName]: `${p.project.name}-${role}`,
    [ENV.redisHost]: 'redis',
    [ENV.redisPort]: String(p.redis.port),
    [ENV.redisPasswordFile]: secretPath(p.redis.password_secret),
    [ENV.queueName]: DEFAULT_QUEUE_NAME,
    [ENV.queueMaxDepth]: String(p.workers.max_queue_depth),
    [ENV.storagePath]: p.storage.uploads_path,
    [ENV.blobGraceMs]: String(parseDuration(p.storage.blob_grace)),
    // The API refuses uploads over it and the worker fails jobs whose outputs would pass it.
    [ENV.storageQuotaBytes]: String(parseSize(p.api.storage_quota)),
    // Workers need it too: their sweeper leaves temp files younger than twice this alone, since
    // an upload may still be writing one.
    [ENV.requestTimeoutMs]: String(parseDuration(p.api.request_timeout)),
    ...storageEnv(p),
  };
}

/**
 * The options each job is queued with (attempts, backoff, retention). The API queues jobs and the
 * worker's reconciler queues lost ones again, so both roles get the same values from here.
 */
export function jobOptionsEnv(p: Profile): Record<string, string> {
  const w = p.workers;
  return {
    [ENV.jobAttempts]: String(w.attempts),
    [ENV.jobBackoffType]: w.backoff.type,
    [ENV.jobBackoffMs]: String(parseDuration(w.backoff.delay)),
    [ENV.jobBackoffJitter]: String(w.backoff.jitter),
    [ENV.removeOnCompleteAgeS]: String(Math.floor(parseDuration(w.remove_on_complete.age) / 1000)),
    [ENV.removeOnCompleteCount]: String(w.remove_on_complete.count),
    [ENV.removeOnFailAgeS]: String(Math.floor(parseDuration(w.remove_on_fail.age) / 1000)),
    [ENV.removeOnFailCount]: String(w.remove_on_fail.count),
  };
}

/** The object store's settings (storage.kind: s3); its keys go in as secret files. */
export function storageEnv(p: Profile): Record<string, string> {
  const s3 = p.storage.s3;
  if (p.storage.kind !== 's3' || !s3) return {};
  return {
    [ENV.storageKind]: 's3',
    ...(s3.endpoint ? { [ENV.s3Endpoint]: s3.endpoint } : {}),
    [ENV.s3Region]: s3.region,
    [ENV.s3Bucket]: s3.bucket,
    [ENV.s3Prefix]: s3.prefix ?? '',
    [ENV.s3ForcePathStyle]: s3.path_style ? '1' : '0',
    [ENV.s3AccessKeyIdFile]: secretPath(s3.access_key_secret),
    [ENV.s3SecretAccessKeyFile]: secretPath(s3.secret_key_secret),
  };
}

/** Secrets both app roles mount: database, Redis and, with S3 storage, the bucket's keys. */
function appSecrets(p: Profile): string[] {
  const s3 = p.storage.kind === 's3' ? p.storage.s3 : undefined;
  return [p.postgres.password_secret, p.redis.password_secret, ...(s3 ? [s3.access_key_secret, s3.secret_key_secret] : [])];
}

export function planApi(p: Profile, release: string): ServiceDraft {
  const a = p.api;
  const env: Record<string, string> = {
    ...sharedAppEnv(p, 'api', release),
    ...jobOptionsEnv(p),
    [ENV.port]: String(a.port),
    [ENV.metricsPort]: String(a.metrics_port),
    [ENV.maxUploadBytes]: String(parseSize(a.max_upload_size)),
    [ENV.rateRequestsPerSecond]: String(a.rate_limits.requests_per_second),
    [ENV.rateBurst]: String(a.rate_limits.burst),
    [ENV.rateUploadsPerMinute]: String(a.rate_limits.uploads_per_minute),
    [ENV.drainWindowMs]: String(parseDuration(a.drain_window)),
    [ENV.migrateOnStart]: '1',
  };
  const secrets = appSecrets(p);
  if (a.auth.api_keys && p.secrets.api_key_pepper) {
    env[ENV.apiKeyPepperFile] = secretPath('api_key_pepper');
    secrets.push('api_key_pepper');
  }
  if (a.auth.oidc) {
    env[ENV.oidcIssuer] = a.auth.oidc.issuer;
    env[ENV.oidcAudience] = a.auth.oidc.audience;
    env[ENV.oidcJwksUrl] = a.auth.oidc.jwks_url;
  }
  return {
    name: 'api',
    role: 'app',
    image: p.images.api,
    command: ['node', 'dist/runtime/api/main.js'],
    user: RUNTIME_USER,
    replicas: a.replicas,
    resources: a.resources,
    env,
    secrets: toSecretMounts(secrets),
    ports: [
      { name: 'http', port: a.port },
      { name: 'metrics', port: a.metrics_port },
    ],
    healthcheck: httpHealthcheck(HEALTHCHECK_CMD, HEALTH_PATHS.ready, a.port, 20),
    networks: ['edge', 'backend'],
    volumes: [volume('uploads', p.storage.uploads_path)],
    stopGracePeriodSeconds: Math.ceil(parseDuration(a.drain_window) / 1000 + parseDuration(a.request_timeout) / 1000),
    dependsOn: ['postgres', 'redis'],
  };
}

export function planWorker(p: Profile, release: string): ServiceDraft {
  const w = p.workers;
  const env: Record<string, string> = {
    ...sharedAppEnv(p, 'worker', release),
    [ENV.metricsPort]: String(w.metrics_port),
    [ENV.workerConcurrency]: String(w.concurrency),
    [ENV.jobTimeoutMs]: String(parseDuration(w.job_timeout)),
    ...jobOptionsEnv(p),
    [ENV.maxPages]: String(w.max_pages),
    [ENV.maxInputBytes]: String(parseSize(w.max_input_size)),
    [ENV.perJobMemoryMb]: String(Math.floor(parseSize(w.per_job_memory) / 1024 ** 2)),
    ...(w.verify_output ? { [ENV.verifyOutput]: w.verify_output } : {}),
     ...stallEnv(p),
  };
  return {
    name: 'worker',
    role: 'app',
    image: p.images.worker,
    command: ['node', ...WORKER_NODE_FLAGS, 'dist/runtime/worker/main.js'],
    user: RUNTIME_USER,
    replicas: w.replicas,
    resources: w.resources,
    env,
    secrets: toSecretMounts(appSecrets(p)),
    ports: [{ name: 'metrics', port: w.metrics_port }],
    healthcheck: httpHealthcheck(HEALTHCHECK_CMD, HEALTH_PATHS.ready, w.metrics_port, 20),
    // The backend network is internal (no route out): with S3 storage the workers also join the
    // edge network to reach the bucket, as the api does.
    networks: p.storage.kind === 's3' ? ['backend', 'edge'] : ['backend'],
    volumes: [volume('uploads', p.storage.uploads_path)],
    // A worker finishes (or hands back) its running jobs before it exits.
    stopGracePeriodSeconds: Math.ceil(parseDuration(w.job_timeout) / 1000) + 5,
    dependsOn: ['postgres', 'redis'],
  };
}

export function toSecretMounts(names: string[]): { name: string; target: string }[] {
  return [...new Set(names)].map((name) => ({ name, target: secretPath(name) }));
}

export const STALL_DEFAULTS = { lock_duration: '15s', check_interval: '15s', max_stalled: 2 } as const;

/** BullMQ's stall detection from the profile: a killed worker's job returns to the queue once its
 *  lock expired (≤ lock_duration) and the next check ran (≤ check_interval). */
export function stallSettings(p: Profile): { lockMs: number; checkMs: number; maxStalled: number; returnsWithinMs: number } {
  const s = { ...STALL_DEFAULTS, ...(p.workers.stall_detection ?? {}) };
  const lockMs = parseDuration(s.lock_duration);
  const checkMs = parseDuration(s.check_interval);
  return { lockMs, checkMs, maxStalled: s.max_stalled, returnsWithinMs: lockMs + checkMs };
}

function stallEnv(p: Profile): Record<string, string> {
  const s = stallSettings(p);
  return { [ENV.workerLockDurationMs]: String(s.lockMs), [ENV.workerStalledIntervalMs]: String(s.checkMs), [ENV.workerMaxStalledCount]: String(s.maxStalled) };
}
