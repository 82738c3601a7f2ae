// `down` on the native target: the supervisor stops everything in order (SIGTERM, wait, SIGKILL),
// then whatever a pid file or the process table still names as this stack's is killed, so
// nothing is left behind even after a supervisor crash. `--volumes` also deletes the data.
import { rmSync } from 'node:fs';
import { UsageError } from '../../lib/errors.js';
import type { TargetContext } from '../types.js';
import { listStackProcesses } from './process-table.js';
import { nativePaths } from './supervisor/paths.js';
import { isOurs, readPidFiles, removePidFile } from './supervisor/pid-files.js';
import { signalGroup, stopPid } from './supervisor/stop-process.js';
import { findSupervisor, supervisorPid } from './supervisor/supervisor-client.js';

export async function nativeDown(ctx: TargetContext, o: { volumes: boolean }): Promise<string[]> {
  if (o.volumes && !ctx.yes) throw new UsageError('`down --volumes` deletes the database, Redis data and uploads', 'add --yes to confirm');
  const paths = nativePaths(ctx.stateDir);
  const done: string[] = [];
  const sup = await findSupervisor(ctx.stateDir);
  if (sup) {
    const n = (await sup.status()).length;
    ctx.log.step(`stopping ${n} processes in order`);
    await sup.shutdown();
    done.push(`stopped ${n} processes`);
  }
  const orphanSupervisor = supervisorPid(paths);
  if (orphanSupervisor) await stopPid(orphanSupervisor, 'SIGTERM', 30_000);
  for (const r of readPidFiles(paths.pidDir)) {
    if (isOurs(r)) {
      await stopPid(r.pid, 'SIGTERM', 10_000);
      done.push(`stopped leftover ${r.id} (pid ${r.pid})`);
    }
    removePidFile(paths.pidDir, r.id);
  }
  const stray = listStackProcesses(ctx.stateDir);
  for (const pid of stray) signalGroup(pid, 'SIGKILL');
  if (stray.length) done.push(`killed ${stray.length} stray processes`);
  // Nothing runs any more: nobody should find the stack through its endpoints.
  rmSync(paths.endpointsFile, { force: true });
  if (o.volumes) {
    rmSync(paths.dataDir, { recursive: true, force: true });
    rmSync(paths.stateFile, { force: true });
    done.push(`deleted ${paths.dataDir}`);
  }
  return done;
}
