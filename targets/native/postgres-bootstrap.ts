// Postgres on the native target: the data folder (initdb on first start, stale postmaster.pid
// after a reboot), then the service's role and database, created once and kept in step with the
// profile's password.
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import path from 'node:path';
import pg from 'pg';
import { TargetError } from '../../lib/errors.js';
import { findPgBin } from '../../lib/local-postgres.js';
import { chownTree, type SystemUser } from '../../lib/system-user.js';
import type { StackPlan } from '../../plan/types.js';
import { commandLineOf } from './supervisor/pid-files.js';
import type { NativePaths } from './supervisor/paths.js';

export function postgresDataDir(paths: NativePaths): string {
  return path.join(paths.dataDir, 'postgres');
}

/** The first folder on the way to `dir` that `user` may not pass through (no search bit for
 *  it), or null. Root reaches everything; Postgres, run as its own account, does not. */
export function blockingAncestor(dir: string, user: { uid: number; gids: number[] }): string | null {
  const chain: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of chain) {
    const st = statSync(d);
    const bit = st.uid === user.uid ? 0o100 : user.gids.includes(st.gid) ? 0o010 : 0o001;
    if (!(st.mode & bit)) return d;
  }
  return null;
}

function groupsOf(user: SystemUser): number[] {
  try {
    return execFileSync('id', ['-G', user.name], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
  } catch {
    return [user.gid];
  }
}

/** initdb on first start; true when it ran. */
export async function preparePostgresData(paths: NativePaths, user: SystemUser | null, superPassword: string, version?: number): Promise<boolean> {
  const dataDir = postgresDataDir(paths);
  const runDir = path.join(paths.root, 'run');
  mkdirSync(runDir, { recursive: true, mode: 0o755 });
  mkdirSync(paths.dataDir, { recursive: true, mode: 0o755 });
  const blocked = user ? blockingAncestor(paths.dataDir, { uid: user.uid, gids: groupsOf(user) }) : null;
  if (blocked) {
    const mode = (statSync(blocked).mode & 0o777).toString(8);
    throw new TargetError(`the ${user!.name} account cannot reach ${paths.dataDir}: ${blocked} is mode ${mode}`, `let it pass (chmod o+x ${blocked}), or use a --state-dir under a folder every account can enter`);
  }
  if (user) chownTree(runDir, user);
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) await initdb(dataDir, user, superPassword, version);
  dropStalePostmasterPid(dataDir);
  return fresh;
}

/** initdb with scram passwords on loopback TCP and trust on the local socket (only the state
 *  folder's owner reaches it). The password file lives only while initdb runs. */
async function initdb(dataDir: string, user: SystemUser | null, password: string, version?: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) chownTree(dataDir, user);
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${process.pid}`);
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const args = ['-D', dataDir, '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`];
    await execa(findPgBin('initdb', version), args, { uid: user?.uid, gid: user?.gid, stdio: 'pipe' });
  } catch (err) {
    throw new TargetError(`initdb failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, `check that the ${user?.name ?? 'current'} account can write ${dataDir}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** After a reboot postmaster.pid may name a pid that now belongs to another program, and
 *  Postgres would refuse to start. Only a live postgres process keeps the file. */
export function dropStalePostmasterPid(dataDir: string): void {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  const cmd = pid ? commandLineOf(pid) : null;
  if (!cmd || !/postgres/.test(cmd[0] ?? '')) rmSync(file, { force: true });
}

/** An open port is not a ready server: Postgres answers "starting up" while it recovers. */
async function connectWithRetry(config: pg.ClientConfig, timeoutMs: number): Promise<pg.Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client(config);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return client;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** Creates the service role and database if missing; returns what it changed. */
export async function ensurePostgresReady(plan: StackPlan, paths: NativePaths, port: number, password: string): Promise<string[]> {
  const p = plan.profile.postgres;
  // Local socket as the superuser: trusted, no password on the wire.
  const changes: string[] = [];
  let client: pg.Client | undefined;
  try {
    client = await connectWithRetry({ host: path.join(paths.root, 'run'), port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 10_000 }, 60_000);
    const role = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [p.user]);
    const lit = client.escapeLiteral(password);
    const ident = client.escapeIdentifier(p.user);
    if (role.rowCount === 0) {
      await client.query(`CREATE ROLE ${ident} LOGIN PASSWORD ${lit}`);
      changes.push(`created role ${p.user}`);
    } else {
      await client.query(`ALTER ROLE ${ident} PASSWORD ${lit}`);
    }
    const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [p.database]);
    if (db.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(p.database)} OWNER ${ident}`);
      changes.push(`created database ${p.database}`);
    }
    return changes;
  } catch (err) {
    throw new TargetError(`cannot prepare the service database: ${(err as Error).message}`, `see ${path.join(paths.logDir, 'postgres.log')}`);
  } finally {
    await client?.end().catch(() => {});
  }
}
