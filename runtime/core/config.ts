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

/** Typed readers over the environment; each records what is wrong instead of throwing at once. */
interface Readers {
  env: Env;
  problems: string[];
  str(name: string, def?: string): string;
  num(name: string, def?: number, min?: number): number;
  secret(name: string): string | undefined;
}

/** Reads and validates the whole config; collects every problem before throwing. */
export function readConfig(env: Env = process.env, roleOverride?: Role): RuntimeConfig {
  const r = createReaders(env);
  const role = readRole(r, roleOverride);
  const storageKind = readStorageKind(r);
  const cfg: RuntimeConfig = {
    role,
    release: r.str(ENV.release, 'dev'),
    logLevel: r.str(ENV.logLevel, 'info'),
    host: r.str(ENV.host, '0.0.0.0'),
    port: r.num(ENV.port, 8080),
    metricsPort: r.num(ENV.metricsPort, 9464),
    pg: readPostgres(r, role),
    redis: readRedis(r),
    queueName: r.str(ENV.queueName, DEFAULT_QUEUE_NAME),
    queueMaxDepth: r.num(ENV.queueMaxDepth, 1_000, 1),
    storagePath: storageKind === 's3' ? r.str(ENV.storagePath, '') : r.str(ENV.storagePath),
    storage: { kind: 'local', path: '' },
    ...readLimits(r),
    ...readAuth(r),
    worker: readWorker(r),
    migrationsDir: env[ENV.migrationsDir] || undefined,
    migrateOnStart: env[ENV.migrateOnStart] === '1' || env[ENV.migrateOnStart] === 'true',
  };
  cfg.storage = storageKind === 's3' ? { kind: 's3', ...readS3Settings(r) } : { kind: 'local', path: cfg.storagePath };
  checkCombinations(cfg, r.problems);
  if (r.problems.length) {
    throw new RuntimeConfigError(`invalid runtime configuration:\n  - ${r.problems.join('\n  - ')}`, 'set the variables listed in docs/runtime.md (prodctl renders them from the profile)');
  }
  return cfg;
}

function createReaders(env: Env): Readers {
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
  return { env, problems, str, num, secret };
}

function readRole(r: Readers, roleOverride?: Role): Role {
  const role = (roleOverride ?? r.str(ENV.role, 'api')) as Role;
  if (role !== 'api' && role !== 'worker') r.problems.push(`${ENV.role} must be api or worker, got ${role}`);
  return role;
}

function readStorageKind(r: Readers): string {
  const kind = r.str(ENV.storageKind, 'local');
  if (kind !== 'local' && kind !== 's3') r.problems.push(`${ENV.storageKind} must be local or s3, got ${kind}`);
  return kind;
}

function readPostgres(r: Readers, role: Role): RuntimeConfig['pg'] {
  return {
    host: r.str(ENV.pgHost, '127.0.0.1'),
    port: r.num(ENV.pgPort, 5432, 1),
    database: r.str(ENV.pgDatabase, 'prodctl'),
    user: r.str(ENV.pgUser, 'prodctl'),
    password: r.secret(ENV.pgPasswordFile),
    max: r.num(ENV.pgPoolMax, 10, 1),
    connectionTimeoutMillis: r.num(ENV.pgConnectionTimeoutMs, 5_000, 1),
    idleTimeoutMillis: r.num(ENV.pgIdleTimeoutMs, 30_000),
    statementTimeoutMs: r.num(ENV.pgStatementTimeoutMs, 15_000),
    idleInTxTimeoutMs: r.num(ENV.pgIdleInTxTimeoutMs, 30_000),
    applicationName: r.str(ENV.pgApplicationName, `prodctl-${role}`),
  };
}

function readRedis(r: Readers): RuntimeConfig['redis'] {
  return {
    host: r.str(ENV.redisHost, '127.0.0.1'),
    port: r.num(ENV.redisPort, 6379, 1),
    password: r.secret(ENV.redisPasswordFile),
    commandTimeoutMs: r.num(ENV.redisCommandTimeoutMs, 2_000, 1),
  };
}

/** Sizes, rates and the time budgets of a request and of a drain. */
function readLimits(r: Readers) {
  return {
    maxUploadBytes: r.num(ENV.maxUploadBytes, 50 * 1024 * 1024, 1),
    storageQuotaBytes: r.num(ENV.storageQuotaBytes, 1024 * 1024 * 1024, 1),
    blobGraceMs: r.num(ENV.blobGraceMs, 24 * 3_600_000),
    rate: {
      requestsPerSecond: r.num(ENV.rateRequestsPerSecond, 50, 0.001),
      burst: r.num(ENV.rateBurst, 100, 1),
      uploadsPerMinute: r.num(ENV.rateUploadsPerMinute, 30, 1),
    },
    requestTimeoutMs: r.num(ENV.requestTimeoutMs, 30_000, 1),
    drainWindowMs: r.num(ENV.drainWindowMs, 5_000),
    deregisterDelayMs: r.num(ENV.deregisterDelayMs, 0),
  };
}

/** OIDC (all three settings or none), API keys, and who may name the client. */
function readAuth(r: Readers) {
  const issuer = r.env[ENV.oidcIssuer];
  const jwksUrl = r.env[ENV.oidcJwksUrl];
  const audience = r.env[ENV.oidcAudience];
  if ((issuer || jwksUrl || audience) && !(issuer && jwksUrl && audience)) {
    r.problems.push(`${ENV.oidcIssuer}, ${ENV.oidcAudience} and ${ENV.oidcJwksUrl} must be set together`);
  }
  return {
    oidc: issuer && jwksUrl && audience ? { issuer, audience, jwksUrl } : undefined,
    apiKeyPepper: r.secret(ENV.apiKeyPepperFile),
    apiKeyCacheMs: r.num(ENV.apiKeyCacheMs, 1_000),
    authFailures: { burst: r.num(ENV.authFailureBurst, 10, 1), perMinute: r.num(ENV.authFailuresPerMinute, 10, 0.01) },
    trustProxy: readTrustProxy(r.str(ENV.trustProxy, DEFAULT_TRUST_PROXY)),
  };
}

function readWorker(r: Readers): RuntimeConfig['worker'] {
  const backoffType = r.str(ENV.jobBackoffType, 'exponential');
  if (backoffType !== 'exponential' && backoffType !== 'fixed') r.problems.push(`${ENV.jobBackoffType} must be exponential or fixed`);
  return {
    concurrency: r.num(ENV.workerConcurrency, 2, 1),
    jobTimeoutMs: r.num(ENV.jobTimeoutMs, 120_000, 100),
    attempts: r.num(ENV.jobAttempts, 3, 1),
    backoffType: backoffType as 'exponential' | 'fixed',
    backoffMs: r.num(ENV.jobBackoffMs, 1_000),
    backoffJitter: r.num(ENV.jobBackoffJitter, 0.5),
    maxPages: r.num(ENV.maxPages, 2_000, 1),
    maxInputBytes: r.num(ENV.maxInputBytes, 100 * 1024 * 1024, 1),
    perJobMemoryMb: r.num(ENV.perJobMemoryMb, 512, 16),
    removeOnComplete: { age: r.num(ENV.removeOnCompleteAgeS, 3_600), count: r.num(ENV.removeOnCompleteCount, 1_000) },
    removeOnFail: { age: r.num(ENV.removeOnFailAgeS, 7 * 86_400), count: r.num(ENV.removeOnFailCount, 5_000) },
    lockDurationMs: r.num(ENV.workerLockDurationMs, 30_000, 500),
    stalledIntervalMs: r.num(ENV.workerStalledIntervalMs, 30_000, 500),
    maxStalledCount: r.num(ENV.workerMaxStalledCount, 2),
    activeAfterMs: r.num(ENV.jobActiveAfterMs, 250),
    verifyOutput: r.str(ENV.verifyOutput, 'full') as VerifyMode,
    reconcileIntervalMs: r.num(ENV.jobReconcileIntervalMs, 30_000, 100),
    // Far above the time from a job's commit to its enqueue (a Redis command's timeout).
    reconcileGraceMs: r.num(ENV.jobReconcileGraceMs, 60_000, 1_000),
  };
}

/** Rules across settings: allowed values, and an API that can authenticate someone. */
function checkCombinations(cfg: RuntimeConfig, problems: string[]): void {
  if (!VERIFY_MODES.includes(cfg.worker.verifyOutput)) problems.push(`${ENV.verifyOutput} must be one of ${VERIFY_MODES.join(', ')}`);
  if (cfg.worker.backoffJitter > 1) problems.push(`${ENV.jobBackoffJitter} must be between 0 and 1`);
  if (cfg.role === 'api' && !cfg.oidc && !cfg.apiKeyPepper) {
    problems.push(`no auth configured: set ${ENV.apiKeyPepperFile} (API keys) and/or ${ENV.oidcIssuer}/${ENV.oidcAudience}/${ENV.oidcJwksUrl}`);
  }
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
function readS3Settings(r: Readers): S3Settings {
  const { str, num, secret } = r;
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
