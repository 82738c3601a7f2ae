// Test harness for the runtime: real Postgres and Redis, a loopback JWKS server with a generated
// key pair, and the API / worker entry points run as real Node processes (through tsx).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import pg from 'pg';
import { WORKER_NODE_FLAGS } from '../../contract/index.js';
import { getFreePort } from '../../lib/net.js';
import { createApiKey } from '../../runtime/core/api-keys.js';
import { runMigrations } from '../../runtime/core/migrate.js';
import { createDatabase, makeTempDir, startTestPostgres, startTestRedis, uniqueName, type TestPostgres, type TestRedis } from '../support/services.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'prodctl-api';

export interface Jwks {
  url: string;
  sign(sub: string, opts?: { /** '10m', or an absolute epoch second (a past one makes it expired) */ expiresIn?: string | number; issuer?: string; audience?: string; foreignKey?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export async function startJwks(): Promise<Jwks> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const foreign = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    sign: (sub, o = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .setSubject(sub)
        .setIssuer(o.issuer ?? ISSUER)
        .setAudience(o.audience ?? AUDIENCE)
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(o.expiresIn ?? '10m')
        .sign(o.foreignKey ? foreign.privateKey : privateKey),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export interface RuntimeStack {
  pg: TestPostgres;
  redis: TestRedis;
  jwks: Jwks;
  dir: string;
  database: string;
  env: Record<string, string>;
  db: pg.Pool;
  pepper: string;
  cleanup(): Promise<void>;
}

/** Postgres + Redis + JWKS + a migrated database + the env the entry points read. */
export async function startRuntimeStack(redisSettings: Record<string, string | number> = {}, pgSettings: Record<string, string | number> = {}): Promise<RuntimeStack> {
  const [pgSrv, redis, jwks] = await Promise.all([startTestPostgres(pgSettings), startTestRedis(redisSettings), startJwks()]);
  const dir = makeTempDir('prodctl-rt-');
  const database = 'prodctl';
  const db = new pg.Pool({ connectionString: await createDatabase(pgSrv, database), max: 4 });
  db.on('error', () => {}); // idle clients die with the server at cleanup
  await runMigrations(db);
  const pepper = `pepper-${uniqueName('p')}`;
  writeFileSync(path.join(dir, 'pepper'), pepper, { mode: 0o600 });
  const env: Record<string, string> = {
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PGHOST: pgSrv.host,
    PGPORT: String(pgSrv.port),
    PGDATABASE: database,
    PGUSER: pgSrv.user,
    PG_POOL_MAX: '8',
    // Generous: the test machine is shared and often loaded far beyond its two cores.
    PG_CONNECTION_TIMEOUT_MS: '15000',
    REDIS_COMMAND_TIMEOUT_MS: '10000',
    REDIS_HOST: redis.host,
    REDIS_PORT: String(redis.port),
    QUEUE_NAME: uniqueName('q'),
    QUEUE_MAX_DEPTH: '500',
    STORAGE_PATH: path.join(dir, 'storage'),
    MAX_UPLOAD_BYTES: String(2 * 1024 * 1024),
    STORAGE_QUOTA_BYTES: String(50 * 1024 * 1024),
    RATE_REQUESTS_PER_SECOND: '1000',
    RATE_BURST: '2000',
    RATE_UPLOADS_PER_MINUTE: '600',
    DRAIN_WINDOW_MS: '1000',
    OIDC_ISSUER: ISSUER,
    OIDC_AUDIENCE: AUDIENCE,
    OIDC_JWKS_URL: jwks.url,
    API_KEY_PEPPER_FILE: path.join(dir, 'pepper'),
    WORKER_CONCURRENCY: '2',
    JOB_TIMEOUT_MS: '20000',
    JOB_ATTEMPTS: '3',
    JOB_BACKOFF_MS: '200',
    PER_JOB_MEMORY_MB: '256',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1000',
  };
  return {
    pg: pgSrv,
    redis,
    jwks,
    dir,
    database,
    env,
    db,
    pepper,
    async cleanup() {
      await db.end().catch(() => {});
      await jwks.close();
      await Promise.all([pgSrv.cleanup(), redis.cleanup()]);
    },
  };
}

export interface RuntimeProcess {
  child: ChildProcess;
  port: number;
  metricsPort: number;
  base: string;
  output(): string;
  /** stdout only: the pino JSON log lines. */
  stdout(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `runtime/<role>/main.ts` as its own Node process and waits for /readyz. */
export async function startProcess(role: 'api' | 'worker', env: Record<string, string>, extra: Record<string, string> = {}, opts: { waitReady?: boolean } = {}): Promise<RuntimeProcess> {
  const port = await getFreePort();
  const metricsPort = await getFreePort();
  // The worker runs with the flags the plan gives it, so tests and bench/ measure what ships.
  const flags = role === 'worker' ? WORKER_NODE_FLAGS : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path.join(ROOT, `runtime/${role}/main.ts`)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PRODCTL_ROLE: role, PORT: String(port), METRICS_PORT: String(metricsPort), ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stdout = '';
  // The last 200 KB of each, trimmed only past twice that: slicing at every chunk copied 200 KB
  // per log line, CPU that a bench's worker at LOG_LEVEL=info had to share its cores with.
  const keepTail = (s: string) => (s.length > 400_000 ? s.slice(-200_000) : s);
  child.stdout!.on('data', (b) => {
    out = keepTail(out + b);
    stdout = keepTail(stdout + b);
  });
  child.stderr!.on('data', (b) => (out = keepTail(out + b)));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const probePort = role === 'api' ? port : metricsPort;
  const proc: RuntimeProcess = {
    child,
    port,
    metricsPort,
    base: `http://127.0.0.1:${port}`,
    output: () => out,
    stdout: () => stdout,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  if (opts.waitReady === false) return proc;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${role} exited with ${child.exitCode}:\n${out}`);
    const ok = await fetch(`http://127.0.0.1:${probePort}/readyz`).then((r) => r.ok, () => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${role} not ready after 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

export async function mintKey(stack: RuntimeStack, user: string): Promise<string> {
  return (await createApiKey(stack.db, user, stack.pepper)).key;
}

export function authed(key: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${key}`, ...extra };
}

export async function uploadPdf(base: string, key: string, bytes: Uint8Array): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/v1/files`, { method: 'POST', headers: authed(key, { 'content-type': 'application/pdf' }), body: bytes });
  return { status: res.status, body: await res.json() };
}

export async function submitJob(base: string, key: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: authed(key, { 'content-type': 'application/json', ...headers }), body: JSON.stringify(body) });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export async function waitForJob(base: string, key: string, id: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${base}/v1/jobs/${id}`, { headers: authed(key) });
    const job = await res.json();
    if (job.state === 'completed' || job.state === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${job.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
