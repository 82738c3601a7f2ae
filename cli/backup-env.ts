// Resolves what backup, verify and restore need from the CLI context: the store (profile's
// backup.target or --to), the key (profile secret or --key-file), and the live stack (endpoints the
// native target writes, profile credentials, or explicit --pg-url / --redis-url / --uploads).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readKeyFile } from '../backup/key.js';
import type { PartName } from '../backup/manifest.js';
import { PART_NAMES } from '../backup/manifest.js';
import { createLocalPgTools } from '../backup/parts/pg-tools.js';
import type { BackupSources } from '../backup/sources.js';
import { createLocalStore } from '../backup/stores/local.js';
import { createS3BackupStore } from '../backup/stores/s3.js';
import type { BackupStore } from '../backup/stores/types.js';
import type { StreamCodec } from '../backup/stream/pipeline.js';
import { UsageError } from '../lib/errors.js';
import { registerSecret } from '../lib/redact.js';
import type { StackPlan } from '../plan/types.js';
import type { CliContext } from './context.js';
import { VERSION } from './version.js';
import { loadPlan } from './load-stack.js';
import { secretFileOf } from '../plan/secret-file.js';
import { readSecret } from '../lib/secrets.js';
import { parseDuration } from '../profile/units.js';

export interface BackupEnvOptions {
  to?: string;
  keyFile?: string;
  pgUrl?: string;
  redisUrl?: string;
  uploads?: string;
}

export interface BackupEnv {
  plan: StackPlan;
  store: BackupStore;
  storeRoot: string;
  codec: StreamCodec;
  profileHash: string;
  toolVersion: string;
}

function readSecretFile(plan: StackPlan, name: string): string {
  return readSecret(secretPath(plan, name), `secrets.${name}`);
}

function secretPath(plan: StackPlan, name: string): string {
  const file = secretFileOf(plan, name);
  if (!file) throw new UsageError(`secret ${name} is not declared under secrets:`, `add secrets.${name}.file to the profile`);
  return file;
}

export async function resolveBackupEnv(ctx: CliContext, o: BackupEnvOptions): Promise<BackupEnv> {
  const plan = await loadPlan(ctx);
  const b = plan.profile.backup;
  const storeRoot = path.resolve(ctx.cwd, o.to ?? path.resolve(plan.profileDir, b.target.path));
  const keyFile = o.keyFile ?? (b.encryption ? secretPath(plan, b.encryption.key_secret) : undefined);
  const store = !o.to && b.target.kind === 's3' && b.target.s3 ? openS3Target(plan, b.target.s3) : createLocalStore(storeRoot);
  return {
    plan,
    store,
    storeRoot: store === undefined || o.to || b.target.kind !== 's3' ? storeRoot : store.description,
    codec: { compression: b.compression, key: keyFile ? readKeyFile(keyFile) : null },
    profileHash: createHash('sha256').update(JSON.stringify(plan.profile)).digest('hex'),
    toolVersion: VERSION,
  };
}

/** The profile's backup bucket; its keys are read through the secret reader (redacted). */
function openS3Target(plan: StackPlan, s3: NonNullable<StackPlan['profile']['backup']['target']['s3']>): BackupStore {
  const lock = plan.profile.backup.target.object_lock;
  return createS3BackupStore({
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    prefix: s3.prefix ?? 'backups/',
    forcePathStyle: s3.path_style ?? false,
    accessKeyId: readSecretFile(plan, s3.access_key_secret),
    secretAccessKey: readSecretFile(plan, s3.secret_key_secret),
    ...(lock ? { objectLock: { mode: lock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', retainMs: parseDuration(lock.retain) } } : {}),
  });
}

interface NativeEndpoints {
  postgres?: { host: string; port: number };
  redis?: { host: string; port: number };
  uploadsDir?: string;
}

function readNativeEndpoints(stateDir: string): NativeEndpoints {
  const file = path.join(stateDir, 'native', 'endpoints.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NativeEndpoints) : {};
}

export function parseParts(list: string | undefined): PartName[] {
  if (!list) return [...PART_NAMES];
  const parts = [...new Set(list.split(',').map((p) => (p.trim() === 'db' ? 'postgres' : p.trim())).filter(Boolean))];
  const bad = parts.filter((p) => !(PART_NAMES as readonly string[]).includes(p));
  if (bad.length || !parts.length) throw new UsageError(`unknown part(s): ${bad.join(', ') || '(none)'}`, `use a comma list of ${PART_NAMES.join(', ')}`);
  return parts as PartName[];
}

/**
 * The running stack as backup sources. Explicit --pg-url / --redis-url / --uploads win; otherwise
 * the Docker target's containers (found by their labels), or the native target's endpoints file.
 */
export async function resolveLiveSources(ctx: CliContext, env: BackupEnv, o: BackupEnvOptions, parts: PartName[]): Promise<BackupSources> {
  const p = env.plan.profile;
  if (env.plan.target !== 'native') {
    const fromEngine = parts.filter((part) => !(part === 'postgres' ? o.pgUrl : part === 'redis' ? o.redisUrl : o.uploads));
    const explicit = parts.filter((part) => !fromEngine.includes(part));
    const { resolveEngineSources } = await import('../backup/docker/sources-docker.js');
    const docker = await resolveEngineSources(
      {
        project: env.plan.project,
        postgres: { user: p.postgres.user, password: readSecretFile(env.plan, p.postgres.password_secret), database: p.postgres.database, port: p.postgres.port },
        redis: { password: readSecretFile(env.plan, p.redis.password_secret), port: p.redis.port },
        uploadsPath: p.storage.uploads_path,
      },
      fromEngine,
    );
    return { ...resolveNativeSources(ctx, env, o, explicit), ...docker };
  }
  return resolveNativeSources(ctx, env, o, parts);
}

function resolveNativeSources(ctx: CliContext, env: BackupEnv, o: BackupEnvOptions, parts: PartName[]): BackupSources {
  const p = env.plan.profile;
  const ep = readNativeEndpoints(ctx.stateDir);
  const sources: BackupSources = {};
  if (parts.includes('postgres')) {
    if (o.pgUrl) {
      const u = new URL(o.pgUrl);
      registerSecret(decodeURIComponent(u.password));
      sources.postgres = {
        conn: { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), password: decodeURIComponent(u.password) || undefined, database: u.pathname.slice(1) || p.postgres.database },
        tools: createLocalPgTools(),
        baseBackup: Boolean(p.backup.wal?.archive),
      };
    } else {
      const host = ep.postgres?.host ?? '127.0.0.1';
      const port = ep.postgres?.port ?? p.postgres.port;
      const baseBackup = Boolean(p.backup.wal?.archive);
      sources.postgres = {
        conn: { host, port, user: p.postgres.user, password: readSecretFile(env.plan, p.postgres.password_secret), database: p.postgres.database },
        tools: createLocalPgTools(),
        baseBackup,
        // pg_basebackup needs REPLICATION, which the service role never has: the superuser takes it.
        ...(baseBackup ? { baseBackupConn: { host, port, user: 'postgres', password: readSecretFile(env.plan, p.postgres.superuser_password_secret), database: 'postgres' } } : {}),
      };
    }
  }
  if (parts.includes('redis')) {
    if (o.redisUrl) {
      const u = new URL(o.redisUrl);
      registerSecret(decodeURIComponent(u.password));
      sources.redis = { conn: { host: u.hostname, port: Number(u.port || 6379), password: decodeURIComponent(u.password) || undefined } };
    } else {
      sources.redis = { conn: { host: ep.redis?.host ?? '127.0.0.1', port: ep.redis?.port ?? p.redis.port, password: readSecretFile(env.plan, p.redis.password_secret) } };
    }
  }
  if (parts.includes('files')) {
    sources.files = { uploadsDir: path.resolve(ctx.cwd, o.uploads ?? ep.uploadsDir ?? path.resolve(env.plan.profileDir, p.storage.uploads_path)) };
  }
  return sources;
}
