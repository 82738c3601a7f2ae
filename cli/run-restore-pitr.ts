// `prodctl restore --to-time T | --to-lsn L`: backup/pitr/restore-pitr.ts builds a promoted data
// folder at the target. On the native target it then replaces the stack's Postgres folder (the
// stack must be down: a running server's folder is never swapped); the old one is kept beside it.
// With --data-dir the folder is only built there, and nothing of the stack is touched.
import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { prodctlArgv } from '../lib/prodctl-argv.js';
import { restoreToPoint } from '../backup/pitr/restore-pitr.js';
import type { PitrTarget } from '../backup/pitr/pick-base.js';
import { parseLsn } from '../backup/wal/wal-names.js';
import { BackupError, UsageError } from '../lib/errors.js';
import { formatDuration, printJson, printLine } from '../lib/output.js';
import { postgresDataDir } from '../targets/native/postgres-bootstrap.js';
import { nativePaths } from '../targets/native/supervisor/paths.js';
import { commandLineOf } from '../targets/native/supervisor/pid-files.js';
import { resolveBackupEnv, type BackupEnvOptions } from './backup-env.js';
import type { CliContext } from './context.js';

export interface PitrCliOptions extends BackupEnvOptions {
  toTime?: string;
  toLsn?: string;
  latest?: boolean;
  dataDir?: string;
  timeout?: string;
}

export function parsePitrTarget(o: { toTime?: string; toLsn?: string; latest?: boolean }): PitrTarget {
  if ([o.toTime, o.toLsn, o.latest].filter(Boolean).length > 1) throw new UsageError('--to-time, --to-lsn and --latest exclude each other', 'pass one of them');
  if (o.latest) return { kind: 'latest' };
  if (o.toLsn) {
    try {
      parseLsn(o.toLsn);
    } catch {
      throw new UsageError(`--to-lsn ${o.toLsn} is not an LSN`, 'use the form 0/3000060 (pg_current_wal_lsn())');
    }
    return { kind: 'lsn', lsn: o.toLsn.toUpperCase() };
  }
  // A time without a zone would mean the server's zone, which the operator may not know.
  if (!o.toTime || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(o.toTime) || Number.isNaN(Date.parse(o.toTime))) {
    throw new UsageError(`--to-time ${o.toTime ?? ''} is not an ISO time with a zone`, 'use e.g. 2026-12-07T14:03:00Z');
  }
  return { kind: 'time', time: new Date(o.toTime) };
}

function serverRunsOn(dataDir: string): number | null {
  const file = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return pid && /postgres/.test(commandLineOf(pid)?.[0] ?? '') ? pid : null;
}

/** This prodctl with the same profile, state folder and store options: Postgres runs it as restore_command. */
function restoreProdctl(ctx: CliContext, o: BackupEnvOptions): string[] {
  const abs = (p: string) => path.resolve(ctx.cwd, p);
  return prodctlArgv({ ...ctx, extra: [...(o.to ? ['--to', abs(o.to)] : []), ...(o.keyFile ? ['--key-file', abs(o.keyFile)] : [])] });
}

export async function runRestorePitr(ctx: CliContext, o: PitrCliOptions): Promise<void> {
  const target = parsePitrTarget(o);
  const env = await resolveBackupEnv(ctx, o);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const live = env.plan.target === 'native' && !o.dataDir ? postgresDataDir(nativePaths(ctx.stateDir)) : null;
  if (!live && !o.dataDir) throw new UsageError(`a point-in-time restore on the ${env.plan.target} target needs --data-dir`, 'restore into a folder with --data-dir and start Postgres on it');
  if (live && serverRunsOn(live)) throw new BackupError(`the stack's Postgres is running on ${live}`, 'stop the stack first (`prodctl down`), then restore, then `prodctl up`');
  const dataDir = o.dataDir ? path.resolve(ctx.cwd, o.dataDir) : `${live}.pitr-${stamp}`;
  if (!ctx.yes) throw new UsageError('a point-in-time restore replaces the stack database and needs confirmation', 'pass --yes');
  const result = await restoreToPoint({
    store: env.store,
    key: env.codec.key,
    target,
    dataDir,
    prodctl: restoreProdctl(ctx, o),
    timeoutMs: o.timeout ? Number(o.timeout) * 1000 : undefined,
    onStep: (m) => ctx.log.step(m),
  });
  let previous: string | null = null;
  if (live) {
    if (existsSync(live)) renameSync(live, (previous = `${live}.before-pitr-${stamp}`));
    renameSync(dataDir, live);
  }
  const out = { ...result, dataDir: live ?? dataDir, previousDataDir: previous };
  if (ctx.json) return printJson(out);
  printLine(`restored postgres to ${result.target} from base backup ${result.setId} in ${formatDuration(result.durationMs)}; promoted on timeline ${result.timeline}`);
  printLine(`  ${result.tables} tables / ${result.rows} rows in ${result.databases.length} database(s) read back · ${result.stoppedAt ?? 'replay reached the end of the archive'}${result.lastCommit ? ` · last commit ${result.lastCommit}` : ''}`);
  printLine(live ? `  the stack's data folder is now the restored one; the previous one is kept at ${previous ?? '(none)'} — start the stack: prodctl up` : `  data folder: ${dataDir}`);
}
