// Adapter around pg_dump / pg_restore. The argv builders are pure; the runner spawns Debian's
// binaries locally. A Docker target can provide another PgTools that runs the same argv in a
// one-off container on the stack network.
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { BackupError } from '../../lib/errors.js';
import { findPgBin } from '../../lib/local-postgres.js';

export interface PgConn {
  host: string;
  port: number;
  user: string;
  password?: string;
  database: string;
}

export interface RunningTool<S> {
  stream: S;
  done: Promise<void>;
}

export interface PgTools {
  dump(conn: PgConn, args: string[]): RunningTool<Readable>;
  restore(conn: PgConn, args: string[]): RunningTool<Writable>;
}

/** Custom format, uncompressed: compression happens later in our pipeline (zstd -T0 is faster than pg_dump's zlib). */
export function pgDumpArgs(conn: PgConn, o: { snapshot?: string } = {}): string[] {
  const a = ['--format=custom', '--compress=0', '--no-password', `--host=${conn.host}`, `--port=${conn.port}`, `--username=${conn.user}`, `--dbname=${conn.database}`];
  if (o.snapshot) a.push(`--snapshot=${o.snapshot}`);
  return a;
}

/**
 * One transaction, so a failed restore leaves the live database as it was; --clean --if-exists
 * replaces the objects of the dump; no owners/privileges, because the roles of the source may not
 * exist on the target (scratch instances).
 */
export function pgRestoreArgs(conn: PgConn, o: { singleTransaction?: boolean } = {}): string[] {
  const a = ['--no-password', '--no-owner', '--no-privileges', '--clean', '--if-exists', '--exit-on-error', `--host=${conn.host}`, `--port=${conn.port}`, `--username=${conn.user}`, `--dbname=${conn.database}`];
  if (o.singleTransaction !== false) a.push('--single-transaction');
  return a;
}

function runPg<S>(bin: string, conn: PgConn, args: string[], pick: (c: ReturnType<typeof spawn>) => S): RunningTool<S> {
  // The password goes through the environment, never argv (ps would show it).
  const child = spawn(findPgBin(bin), args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: conn.password ?? '', PGCONNECT_TIMEOUT: '10' } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new BackupError(`part postgres: ${bin} could not start: ${err.message}`, 'install postgresql-client')));
    child.on('close', (code, signal) =>
      code === 0 ? resolve() : reject(new BackupError(`part postgres: ${bin} failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, 'check the connection details and the server log')),
    );
  });
  return { stream: pick(child), done };
}

export function createLocalPgTools(): PgTools {
  return {
    dump: (conn, args) => runPg('pg_dump', conn, args, (c) => c.stdout!),
    restore: (conn, args) => runPg('pg_restore', conn, args, (c) => c.stdin!),
  };
}
