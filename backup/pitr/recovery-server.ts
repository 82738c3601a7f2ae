// A Postgres started on a restored data folder to replay archived WAL up to the target and promote.
// Socket only (listen_addresses = ''), with its own trust pg_hba for that socket: the restored
// folder's pg_hba and passwords are not ours to rely on, and nothing else may connect meanwhile.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { BackupError } from '../../lib/errors.js';
import { findPgBin, stopChild } from '../../lib/local-postgres.js';
import { getFreePort } from '../../lib/net.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';

export interface RecoveryServer {
  child: ChildProcess;
  logFile: string;
  connect(database?: string): Promise<pg.Client>;
  logTail(): string;
  stop(): Promise<void>;
}

export async function startRecoveryServer(o: { dataDir: string; workDir: string; settings: Record<string, string>; version?: number }): Promise<RecoveryServer> {
  const user = serviceUser('postgres');
  const socketDir = path.join(o.workDir, 'socket');
  mkdirSync(socketDir, { recursive: true });
  const hba = path.join(o.workDir, 'pg_hba.conf');
  writeFileSync(hba, 'local all all trust\n');
  const logFile = path.join(o.workDir, 'recovery.log');
  chownTree(o.workDir, user);
  const port = await getFreePort('127.0.0.1');
  const args = ['-D', o.dataDir, '-p', String(port), '-c', 'listen_addresses=', '-c', `unix_socket_directories=${socketDir}`, '-c', `hba_file=${hba}`];
  for (const [k, v] of Object.entries(o.settings)) args.push('-c', `${k}=${v}`);
  const out = openSync(logFile, 'a');
  const child = spawn(findPgBin('postgres', o.version), args, { uid: user?.uid, gid: user?.gid, stdio: ['ignore', out, out] });
  const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');
  return {
    child,
    logFile,
    logTail,
    async connect(database = 'postgres') {
      const c = new pg.Client({ host: socketDir, port, user: 'postgres', database });
      c.on('error', () => {});
      await c.connect();
      return c;
    },
    stop: () => stopChild(child),
  };
}

const RECOVERY_ENDED_EARLY = /recovery ended before configured recovery target was reached/;

/** Polls until the server has promoted; a server that exits meanwhile is read from its log. */
export async function waitForPromotion(server: RecoveryServer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      const log = server.logTail();
      if (RECOVERY_ENDED_EARLY.test(log)) {
        const last = /restored log file "([0-9A-F]{24})" from archive(?![\s\S]*restored log file)/.exec(log)?.[1];
        throw new BackupError(`WAL is missing: the archive ends${last ? ` after ${last}` : ''} before the recovery target was reached`, 'pick an earlier target, or find why archiving stopped (`prodctl backup verify` names the first gap)');
      }
      throw new BackupError(`the recovery server stopped: ${log.split('\n').filter((l) => /FATAL|PANIC|ERROR/.test(l)).slice(-3).join(' | ') || 'see its log'}`, `see ${server.logFile}`);
    }
    const c = await server.connect().catch(() => null);
    if (c) {
      try {
        const r = await c.query<{ rec: boolean }>('SELECT pg_is_in_recovery() AS rec');
        if (!r.rows[0].rec) return;
      } catch {
        // starting up or shutting down: ask again
      } finally {
        await c.end().catch(() => {});
      }
    }
    if (Date.now() > deadline) throw new BackupError(`recovery did not finish within ${Math.round(timeoutMs / 1000)} s`, `see ${server.logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the server log says about where replay stopped. */
export function readRecoveryStop(log: string): { stoppedAt: string | null; lastCommit: string | null } {
  return {
    stoppedAt: /recovery stopping (?:before|after) [^\n]*/.exec(log)?.[0] ?? null,
    lastCommit: /last completed transaction was at log time ([^\n]+)/.exec(log)?.[1]?.trim() ?? null,
  };
}
