// The supervisor daemon: `node supervisor-main.js <stateDir>`, started detached by `prodctl up`.
// First it recovers from a previous life (crash, kill -9, reboot): processes named by stale pid
// files that are still ours are stopped, pid files of gone or foreign processes are dropped.
// Then it serves the control socket until `prodctl down` asks it to shut everything down.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { serveControl } from './control-server.js';
import { LOG_DIR_MODE, LOG_FILE_MODE, nativePaths } from './paths.js';
import { isOurs, readPidFiles, removePidFile } from './pid-files.js';
import { stopPid } from './stop-process.js';
import { createSupervisor } from './supervisor.js';

const stateDir = process.argv[2];
if (!stateDir) {
  process.stderr.write('usage: supervisor-main <stateDir>\n');
  process.exit(2);
}
// Inherited by every process it starts: Redis' AOF and RDB, uploads, Prometheus' blocks and any
// file a process makes without an explicit mode are its account's alone (0600 / 0700).
process.umask(0o077);
const paths = nativePaths(stateDir);
mkdirSync(paths.logDir, { recursive: true, mode: LOG_DIR_MODE });
const note = (msg: string) => appendFileSync(paths.supervisorLog, `${new Date().toISOString()} ${msg}\n`, { mode: LOG_FILE_MODE });

async function recoverStalePids(): Promise<void> {
  for (const r of readPidFiles(paths.pidDir)) {
    if (isOurs(r)) {
      note(`stale pid file: ${r.id} (pid ${r.pid}) still runs without a supervisor; stopping it`);
      await stopPid(r.pid, 'SIGTERM', 10_000);
    } else {
      note(`stale pid file: ${r.id} (pid ${r.pid}) is gone or another program now; dropping it`);
    }
    removePidFile(paths.pidDir, r.id);
  }
}

await recoverStalePids();
const sup = createSupervisor({ logDir: paths.logDir, pidDir: paths.pidDir }, note);
const exit = () => {
  rmSync(paths.controlSocket, { force: true });
  rmSync(paths.supervisorPid, { force: true });
  note('supervisor stopped');
  process.exit(0);
};
const server = await serveControl(paths.controlSocket, sup, () => server.close(exit));
writeFileSync(paths.supervisorPid, `${JSON.stringify({ pid: process.pid, argv: process.argv, startedAt: Date.now() })}\n`);
note(`supervisor ${process.pid} serving ${paths.controlSocket}`);
// A plain SIGTERM (system shutdown, kill) stops the stack in order too.
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.once(sig, () => {
    note(`${sig}: stopping every process`);
    void sup.stopAll().then(() => server.close(exit));
  });
}
