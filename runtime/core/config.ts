// Runtime configuration: read once from the environment (names from contract/ENV) and secret
// files (*_FILE), validated up front so a bad deploy fails at start with a clear message.
import { readFileSync } from 'node:fs';
import { ENV, DEFAULT_QUEUE_NAME } from '../../contract/index.js';
import { RuntimeConfigError } from './errors.js';
import { VERIFY_MODES, type VerifyMode } from './pdf/verify-mode.js';
import type { S3Settings } from './s3-client.js';

export type Role = 'api' | 'worker';

export interface RuntimeConfig {
  role: Role;
  release: string;
  logLevel: string;
  host: string;
  port: number;
  metricsPort: number;
  pg: {
    host: string;
    port: number;
    database: string;
    user: string;
    password?: string;
    max: number;
    connectionTimeoutMillis: number;
    idleTimeoutMillis: number;
    statementTimeoutMs: number;
    idleInTxTimeoutMs: number;
    applicationName: string;
  };
  redis: { host: string; port: number; password?: string; commandTimeoutMs: number };
  queueName: string;
  queueMaxDepth: number;
  /** The local store's folder ('' when blobs live in S3). */
  storagePath: string;
  storage: { kind: 'local'; path: string } | ({ kind: 's3' } & S3Settings);
  maxUploadBytes: number;
  storageQuotaBytes: number;
  /** A deleted file's blob is removed from storage only this long after its last row went. */
  blobGraceMs: number;
  rate: { requestsPerSecond: number; burst: number; uploadsPerMinute: number };
  requestTimeoutMs: number;
  drainWindowMs: number;
  /** After SIGTERM, how long to serve as usual before draining: the time an orchestrator's service
   *  discovery needs to stop sending requests here (0: the edge was drained before the signal). */
  deregisterDelayMs: number;
  oidc?: { issuer: string; audience: string; jwksUrl: string };
  apiKeyPepper?: string;
  apiKeyCacheMs: number;
  /** Per client address: failed authentications in a row, and how many a minute it regains. */
  authFailures: { burst: number; perMinute: number };
  /** Fastify's trustProxy: which peers' X-Forwarded-For names the client (false: none). */
  trustProxy: string[] | false;
  worker: {
    concurrency: number;
    jobTimeoutMs: number;
    attempts: number;
    backoffType: 'exponential' | 'fixed';
    backoffMs: number;
    backoffJitter: number;
    maxPages: number;
    maxInputBytes: number;
    perJobMemoryMb: number;
    removeOnComplete: { age: number; count: number };
    removeOnFail: { age: number; count: number };
    lockDurationMs: number;
    stalledIntervalMs: number;
    maxStalledCount: number;
    activeAfterMs: number;
    /** How each output is checked before its job completes (ops.ts, VerifyMode). */
    verifyOutput: VerifyMode;
    reconcileIntervalMs: number;
    reconcileGraceMs: number;
  };
  migrationsDir?: string;
  migrateOnStart: boolean;
}

type Env = Record<string, string | undefined>;

/** Reads and validates the whole config; collects every problem before throwing. */
export function readConfig(env: Env = process.env, roleOverride?: Role): RuntimeConfig {
  const problems: string[] = [];
  const str = (name: string, def?: string): string => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (def === undefined) problems.push(`${name} is required`);
    return def ?? '';
  };
  const num = (name: string, def?: number, min = 0): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (def === undefined) problems.push(`${name} is required`);
      return def ?? 0;
    }
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min) problems.push(`${name}=${raw} is not a number ≥ ${min}`);
    return n;
  };
  const secret = (name: string): string | undefined => {
    const file = env[name];
    if (!file) return undefined;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      problems.push(`${name}=${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };
  const role = (roleOverride ?? str(ENV.role, 'api')) as Role;
  if (role !== 'api' && role !== 'worker') problems.push(`${ENV.role} must be api or worker, got ${role}`);
  const backoffType = str(ENV.jobBackoffType, 'exponential');
  if (backoffType !== 'exponential' && backoffType !== 'fixed') problems.push(`${ENV.jobBackoffType} must be exponential or fixed`);
  const issuer = env[ENV.oidcIssuer];
  const jwksUrl = env[ENV.oidcJwksUrl];
  const audience = env[ENV.oidcAudience];
  if ((issuer || jwksUrl || audience) && !(issuer && jwksUrl && audience)) {
    problems.push(`${ENV.oidcIssuer}, ${ENV.oidcAudience} and ${ENV.oidcJwksUrl} must be set together`);
  }
  const jobTimeoutMs = num(ENV.jobTimeoutMs, 120_000, 100);
  const storageKind = str(ENV.storageKind, 'local');
  if (storageKind !== 'local' && storageKind !== 's3') problems.push(`${ENV.storageKind} must be local or s3, got ${storageKind}`);
  const cfg: RuntimeConfig = {
    role,
    release: str(ENV.release, 'dev'),
    logLevel: str(ENV.logLevel, 'info'),
    host: str(ENV.host, '0.0.0.0'),
    port: num(ENV.port, 8080),
    metricsPort: num(ENV.metricsPort, 9464),
    pg: {
      host: str(ENV.pgHost, '127.0.0.1'),
      port: num(ENV.pgPort, 5432, 1),
      database: str(ENV.pgDatabase, 'prodctl'),
      user: str(ENV.pgUser, 'prodctl'),
      password: secret(ENV.pgPasswordFile),
      max: num(ENV.pgPoolMax, 10, 1),
      connectionTimeoutMillis: num(ENV.pgConnectionTimeoutMs, 5_000, 1),
      idleTimeoutMillis: num(ENV.pgIdleTimeoutMs, 30_000),
      statementTimeoutMs: num(ENV.pgStatementTimeoutMs, 15_000),
      idleInTxTimeoutMs: num(ENV.pgIdleInTxTimeoutMs, 30_000),
      applicationName: str(ENV.pgApplicationName, `prodctl-${role}`),
    },
    redis: {
      host: str(ENV.redisHost, '127.0.0.1'),
      port: num(ENV.redisPort, 6379, 1),
      password: secret(ENV.redisPasswordFile),
      commandTimeoutMs: num(ENV.redisCommandTimeoutMs, 2_000, 1),
    },
    queueName: str(ENV.queueName, DEFAULT_QUEUE_NAME),
    queueMaxDepth: num(ENV.queueMaxDepth, 1_000, 1),
    storagePath: storageKind === 's3' ? str(ENV.storagePath, '') : str(ENV.storagePath),
    storage: { kind: 'local', path: '' },
    maxUploadBytes: num(ENV.maxUploadBytes, 50 * 1024 * 1024, 1),
    storageQuotaBytes: num(ENV.storageQuotaBytes, 1024 * 1024 * 1024, 1),
    blobGraceMs: num(ENV.blobGraceMs, 24 * 3_600_000),
    rate: {
      requestsPerSecond: num(ENV.rateRequestsPerSecond, 50, 0.001),
      burst: num(ENV.rateBurst, 100, 1),
      uploadsPerMinute: num(ENV.rateUploadsPerMinute, 30, 1),
    },
    requestTimeoutMs: num(ENV.requestTimeoutMs, 30_000, 1),
    drainWindowMs: num(ENV.drainWindowMs, 5_000),
    deregisterDelayMs: num(ENV.deregisterDelayMs, 0),
    oidc: issuer && jwksUrl && audience ? { issuer, audience, jwksUrl } : undefined,
    apiKeyPepper: secret(ENV.apiKeyPepperFile),
    apiKeyCacheMs: num(ENV.apiKeyCacheMs, 1_000),
    authFailures: { burst: num(ENV.authFailureBurst, 10, 1), perMinute: num(ENV.authFailuresPerMinute, 10, 0.01) },
    trustProxy: readTrustProxy(str(ENV.trustProxy, DEFAULT_TRUST_PROXY)),
    worker: {
      concurrency: num(ENV.workerConcurrency, 2, 1),
      jobTimeoutMs,
      attempts: num(ENV.jobAttempts, 3, 1),
      backoffType: backoffType as 'exponential' | 'fixed',
      backoffMs: num(ENV.jobBackoffMs, 1_000),
      backoffJitter: num(ENV.jobBackoffJitter, 0.5),
      maxPages: num(ENV.maxPages, 2_000, 1),
      maxInputBytes: num(ENV.maxInputBytes, 100 * 1024 * 1024, 1),
      perJobMemoryMb: num(ENV.perJobMemoryMb, 512, 16),
      removeOnComplete: { age: num(ENV.removeOnCompleteAgeS, 3_600), count: num(ENV.removeOnCompleteCount, 1_000) },
      removeOnFail: { age: num(ENV.removeOnFailAgeS, 7 * 86_400), count: num(ENV.removeOnFailCount, 5_000) },
      lockDurationMs: num(ENV.workerLockDurationMs, 30_000, 500),
      stalledIntervalMs: num(ENV.workerStalledIntervalMs, 30_000, 500),
      maxStalledCount: num(ENV.workerMaxStalledCount, 2),
      activeAfterMs: num(ENV.jobActiveAfterMs, 250),
      verifyOutput: str(ENV.verifyOutput, 'full') as VerifyMode,
      reconcileIntervalMs: num(ENV.jobReconcileIntervalMs, 30_000, 100),
      // Far above the time from a job's commit to its enqueue (a Redis command's timeout).
      reconcileGraceMs: num(ENV.jobReconcileGraceMs, 60_000, 1_000),
    },
    migrationsDir: env[ENV.migrationsDir] || undefined,
    migrateOnStart: env[ENV.migrateOnStart] === '1' || env[ENV.migrateOnStart] === 'true',
  };
  cfg.storage = storageKind === 's3' ? { kind: 's3', ...readS3Settings(str, num, secret) } : { kind: 'local', path: cfg.storagePath };
  if (!VERIFY_MODES.includes(cfg.worker.verifyOutput)) problems.push(`${ENV.verifyOutput} must be one of ${VERIFY_MODES.join(', ')}`);
  if (cfg.worker.backoffJitter > 1) problems.push(`${ENV.jobBackoffJitter} must be between 0 and 1`);
  if (role === 'api' && !cfg.oidc && !cfg.apiKeyPepper) {
    problems.push(`no auth configured: set ${ENV.apiKeyPepperFile} (API keys) and/or ${ENV.oidcIssuer}/${ENV.oidcAudience}/${ENV.oidcJwksUrl}`);
  }
  if (problems.length) {
    throw new RuntimeConfigError(`invalid runtime configuration:\n  - ${problems.join('\n  - ')}`, 'set the variables listed in docs/runtime.md (prodctl renders them from the profile)');
  }
  return cfg;
}

// The edge reaches the API over loopback (native) or a private container network (Docker), and
// HAProxy appends the client's address to X-Forwarded-For. Trusting those peers lets per-client
// limits see the client rather than the edge; clients connecting from such networks directly can
// only move themselves to another bucket.
const DEFAULT_TRUST_PROXY = 'loopback,linklocal,uniquelocal,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16';

function readTrustProxy(value: string): string[] | false {
  if (value === 'none') return false;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The S3 store's settings; keys come only from files (S3_*_FILE), never from the environment. */
function readS3Settings(str: (n: string, d?: string) => string, num: (n: string, d?: number, min?: number) => number, secret: (n: string) => string | undefined): S3Settings {
  const prefix = str(ENV.s3Prefix, '');
  return {
    endpoint: str(ENV.s3Endpoint, '') || undefined,
    region: str(ENV.s3Region, 'us-east-1'),
    bucket: str(ENV.s3Bucket),
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    forcePathStyle: ['1', 'true'].includes(str(ENV.s3ForcePathStyle, '0')),
    accessKeyId: secret(ENV.s3AccessKeyIdFile) ?? (str(ENV.s3AccessKeyIdFile), ''),
    secretAccessKey: secret(ENV.s3SecretAccessKeyFile) ?? (str(ENV.s3SecretAccessKeyFile), ''),
    partSize: num(ENV.s3PartSizeBytes, 8 * 1024 * 1024, 5 * 1024 * 1024),
    queueSize: num(ENV.s3QueueSize, 4, 1),
    maxAttempts: 4,
  };
}
