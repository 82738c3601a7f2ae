// Postgres on the native target: the data folder (initdb on first start, stale postmaster.pid
// after a reboot), the socket's private folder, then the service's role and database, created
// once and kept in step with the profile: the role is no superuser and has its own password; the
// superuser's password is another secret. Passwords reach the server only as SCRAM verifiers, in
// a session that logs no statements.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import path from 'node:path';
import pg from 'pg';
import { TargetError } from '../../lib/errors.js';
import { findPgBin } from '../../lib/local-postgres.js';
import { scramSha256Verifier } from '../../lib/scram-verifier.js';
import { chownTree, type SystemUser } from '../../lib/system-user.js';
import type { StackPlan } from '../../plan/types.js';
import { QUIET_SESSION_SQL, SERVICE_ROLE_LIMITS } from '../../templates/postgres/render-init-role.js';
import { postgresSocketDir } from './postgres-hba.js';
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

/** Folders of the state: the native root and data 0711 (the postgres account passes through to
 *  its own folders; no one lists them), the socket's folder 0700 owned by the server's account. */
function prepareFolders(paths: NativePaths, user: SystemUser | null): void {
  for (const dir of [paths.root, paths.dataDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    chmodSync(dir, 0o711);
  }
  mkdirSync(path.join(paths.root, 'run'), { recursive: true, mode: 0o755 });
  const socketDir = postgresSocketDir(paths);
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  chmodSync(socketDir, 0o700);
  if (user) chownTree(socketDir, user);
}

/** initdb on first start; true when it ran. */
export async function preparePostgresData(paths: NativePaths, user: SystemUser | null, superPassword: string, version?: number): Promise<boolean> {
  const dataDir = postgresDataDir(paths);
  prepareFolders(paths, user);
  const blocked = user ? blockingAncestor(paths.dataDir, { uid: user.uid, gids: groupsOf(user) }) : null;
  if (blocked) {
    const mode = (statSync(blocked).mode & 0o777).toString(8);
    throw new TargetError(`the ${user!.name} account cannot reach ${paths.dataDir}: ${blocked} is mode ${mode}`, `let it pass (chmod o+x ${blocked}), or use a --state-dir under a folder every account can enter`);
  }
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh) await initdb(dataDir, user, superPassword, version);
  dropStalePostmasterPid(dataDir);
  return fresh;
}

/** initdb with the superuser's own password; the server runs with prodctl's pg_hba.conf (see
 *  postgres-hba.ts), these are only initdb's defaults. The password file lives only while initdb runs. */
async function initdb(dataDir: string, user: SystemUser | null, password: string, version?: number): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (user) chownTree(dataDir, user);
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${process.pid}`);
  writeFileSync(pwfile, password, { mode: 0o600 });
  if (user) chownSync(pwfile, user.uid, user.gid);
  try {
    const args = ['-D', dataDir, '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--auth-local=peer', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`];
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

export interface PostgresPasswords {
  /** The service role's (postgres.password_secret). */
  app: string;
  /** The postgres superuser's (postgres.superuser_password_secret). */
  superuser: string;
}

/** Creates the service role and database if missing, and brings both back to what the profile
 *  says (passwords, no superuser rights, database owner); returns what it changed. */
export async function ensurePostgresReady(plan: StackPlan, paths: NativePaths, port: number, passwords: PostgresPasswords): Promise<string[]> {
  const p = plan.profile.postgres;
  let client: pg.Client | undefined;
  try {
    // The socket as the superuser, by peer (prodctl's own account is mapped to postgres): no password on the wire.
    client = await connectWithRetry({ host: postgresSocketDir(paths), port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 10_000 }, 60_000);
    for (const sql of QUIET_SESSION_SQL) await client.query(sql);
    return await reconcileServiceRole(client, p, passwords);
  } catch (err) {
    throw new TargetError(`cannot prepare the service database: ${(err as Error).message}`, `see ${path.join(paths.logDir, 'postgres.log')}`);
  } finally {
    await client?.end().catch(() => {});
  }
}

async function reconcileServiceRole(client: pg.Client, p: StackPlan['profile']['postgres'], passwords: PostgresPasswords): Promise<string[]> {
  const changes: string[] = [];
  const ident = client.escapeIdentifier(p.user);
  const verifier = (pw: string) => client.escapeLiteral(scramSha256Verifier(pw));
  await client.query(`ALTER ROLE postgres PASSWORD ${verifier(passwords.superuser)}`);
  const role = await client.query<{ rolsuper: boolean; rolcreaterole: boolean }>('SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1', [p.user]);
  if (role.rowCount === 0) {
    await client.query(`CREATE ROLE ${ident} ${SERVICE_ROLE_LIMITS} PASSWORD ${verifier(passwords.app)}`);
    changes.push(`created role ${p.user}`);
  } else {
    await client.query(`ALTER ROLE ${ident} ${SERVICE_ROLE_LIMITS} PASSWORD ${verifier(passwords.app)}`);
    if (role.rows[0].rolsuper || role.rows[0].rolcreaterole) changes.push(`took superuser and CREATEROLE from role ${p.user}`);
  }
  const db = await client.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [p.database]);
  if (db.rowCount === 0) {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(p.database)} OWNER ${ident}`);
    changes.push(`created database ${p.database}`);
  } else if (db.rows[0].owner !== p.user) {
    await client.query(`ALTER DATABASE ${client.escapeIdentifier(p.database)} OWNER TO ${ident}`);
    changes.push(`made ${p.user} the owner of database ${p.database}`);
  }
  return changes;
}
