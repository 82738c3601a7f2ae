// Adapter: a Postgres server from Debian's binaries in a folder of ours. Used by the native
// target, by backup verify (scratch instances) and by tests (throwaway instances).
import { spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { TargetError } from './errors.js';
import { getFreePort } from './net.js';
import { chownTree, serviceUser } from './system-user.js';

export function findPgBin(name: string, version?: number): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).map(Number).filter(Boolean).sort((a, b) => b - a) : [];
  const v = version && versions.includes(version) ? version : versions[0];
  const p = v ? path.join(root, String(v), 'bin', name) : '';
  if (!p || !existsSync(p)) {
    throw new TargetError(`Postgres binary '${name}' not found`, 'install it: apt-get install -y postgresql');
  }
  return p;
}

export interface LocalPostgres {
  host: string;
  port: number;
  user: string;
  password?: string;
  dataDir: string;
  socketDir: string;
  process: ChildProcess | null;
  connectionString(db?: string): string;
  stop(): Promise<void>;
}

export interface InitOptions {
  dataDir: string;
  superuser?: string;
  /** When set, host connections need this password (scram); else trust on loopback. */
  password?: string;
  version?: number;
}

export async function initPostgres(o: InitOptions): Promise<void> {
  if (existsSync(path.join(o.dataDir, 'PG_VERSION'))) return;
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const user = serviceUser('postgres');
  chownTree(o.dataDir, user);
  // The socket by peer only (its folder is 0700 too): never trust, which would let any local user in.
  const args = ['-D', o.dataDir, '-U', o.superuser ?? 'postgres', '--encoding=UTF8', '--locale=C', '--auth-local=peer'];
  let pwFile: string | null = null;
  if (o.password) {
    pwFile = path.join(o.dataDir, '..', `.pwfile-${process.pid}`);
    writeFileSync(pwFile, o.password, { mode: 0o600 });
    // initdb runs as the postgres account and must read it (a file: chownSync, not chownTree)
    if (user) chownSync(pwFile, user.uid, user.gid);
    args.push('--auth-host=scram-sha-256', `--pwfile=${pwFile}`);
  } else {
    args.push('--auth-host=trust');
  }
  try {
    await execa(findPgBin('initdb', o.version), args, { uid: user?.uid, gid: user?.gid, stdio: 'pipe' });
  } finally {
    if (pwFile) rmSync(pwFile, { force: true });
  }
}

export interface StartOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Extra `-c name=value` settings, or a config file via config_file. */
  settings?: Record<string, string | number>;
  logFile?: string;
  superuser?: string;
  password?: string;
  version?: number;
  /** Keep running after our process exits (native target) instead of dying with it. */
  detached?: boolean;
}

export async function startPostgres(o: StartOptions): Promise<LocalPostgres> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await getFreePort(host));
  const socketDir = path.join(o.dataDir, '..', `pg-socket-${port}`);
  // 0700 and the postgres account's: no other local user reaches the socket.
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const user = serviceUser('postgres');
  chownTree(socketDir, user);
  const args = ['-D', o.dataDir, '-p', String(port), '-k', socketDir, '-c', `listen_addresses=${host}`];
  for (const [k, v] of Object.entries(o.settings ?? {})) args.push('-c', `${k}=${v}`);
  const out = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(findPgBin('postgres', o.version), args, {
    uid: user?.uid,
    gid: user?.gid,
    stdio: ['ignore', out, out],
    detached: Boolean(o.detached),
  });
  if (o.detached) child.unref();
  const superuser = o.superuser ?? 'postgres';
  const conn = (db = 'postgres') =>
    `postgresql://${encodeURIComponent(superuser)}${o.password ? `:${encodeURIComponent(o.password)}` : ''}@${host}:${port}/${db}`;
  await waitForPostgres(conn(), child);
  return {
    host,
    port,
    user: superuser,
    password: o.password,
    dataDir: o.dataDir,
    socketDir,
    process: child,
    connectionString: conn,
    stop: () => stopChild(child),
  };
}

async function waitForPostgres(url: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new TargetError(`postgres exited with code ${exited} while starting`, 'see its log file');
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
      if (Date.now() > deadline) throw new TargetError(`postgres did not accept connections within ${timeoutMs} ms`, 'see its log file');
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGINT', timeoutMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill(signal); // SIGINT = Postgres "fast" shutdown
  });
}
