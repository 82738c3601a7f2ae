// The process supervisor: keeps each ProcessSpec running, restarts crashes with backoff, logs
// each process to its own file, keeps a pid file per process, and stops in order. Runs inside the
// detached supervisor daemon (supervisor-main.ts); the CLI talks to it over its control socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fchmodSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LOG_DIR_MODE, LOG_FILE_MODE } from './paths.js';
import { removePidFile, writePidFile } from './pid-files.js';
import { stopPid } from './stop-process.js';
import { backoffMs, hashSpec, STABLE_RUN_MS, type ProcessSpec, type ProcessStatus } from './types.js';

export interface SupervisorPaths {
  logDir: string;
  pidDir: string;
}

interface Entry {
  spec: ProcessSpec;
  hash: string;
  child: ChildProcess | null;
  state: ProcessStatus['state'];
  startedAt?: number;
  restarts: number;
  failures: number;
  lastExit?: ProcessStatus['lastExit'];
  timer?: NodeJS.Timeout;
  exited?: Promise<void>;
}

export interface Supervisor {
  start(spec: ProcessSpec): ProcessStatus;
  stop(id: string): Promise<void>;
  /** Stops every process: highest rank first, and within a rank the last started first. */
  stopAll(): Promise<void>;
  status(): ProcessStatus[];
}

export function logFileOf(paths: SupervisorPaths, id: string): string {
  return path.join(paths.logDir, `${id}.log`);
}

export function createSupervisor(paths: SupervisorPaths, note: (msg: string) => void = () => {}): Supervisor {
  mkdirSync(paths.logDir, { recursive: true, mode: LOG_DIR_MODE });
  mkdirSync(paths.pidDir, { recursive: true });
  // Insertion order is start order (stopAll's tie-break within a rank).
  const entries = new Map<string, Entry>();

  const view = (e: Entry): ProcessStatus => ({
    id: e.spec.id,
    service: e.spec.service,
    specHash: e.hash,
    state: e.state,
    pid: e.child?.pid,
    startedAt: e.startedAt,
    restarts: e.restarts,
    lastExit: e.lastExit,
  });

  const launch = (e: Entry) => {
    const { spec } = e;
    const log = logFileOf(paths, spec.id);
    const fd = openSync(log, 'a', LOG_FILE_MODE);
    fchmodSync(fd, LOG_FILE_MODE); // whatever the umask (0077 here) left of it
    writeSync(fd, `--- ${new Date().toISOString()} prodctl supervisor: starting ${spec.id}${e.restarts ? ` (restart ${e.restarts})` : ''}\n`);
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      cwd: spec.cwd,
      env: spec.env,
      uid: spec.uid,
      gid: spec.gid,
      stdio: ['ignore', fd, fd],
      // Its own process group: a stop reaches whatever it forked, and a Ctrl-C in the
      // terminal that ran `prodctl up` does not.
      detached: true,
    });
    closeSync(fd);
    e.child = child;
    e.state = 'running';
    e.startedAt = Date.now();
    let resolveExit!: () => void;
    e.exited = new Promise((r) => (resolveExit = r));
    child.once('error', (err) => note(`${spec.id}: cannot start ${spec.argv[0]}: ${err.message}`));
    if (child.pid) writePidFile(paths.pidDir, { id: spec.id, pid: child.pid, argv: spec.argv, startedAt: e.startedAt });
    child.once('exit', (code, signal) => {
      e.lastExit = { code, signal, at: Date.now() };
      e.child = null;
      removePidFile(paths.pidDir, spec.id);
      resolveExit();
      if (e.state === 'stopping' || e.state === 'stopped') return;
      const ranMs = Date.now() - (e.startedAt ?? Date.now());
      e.failures = ranMs > STABLE_RUN_MS ? 1 : e.failures + 1;
      const delay = backoffMs(e.failures);
      note(`${spec.id} exited (code ${code}, signal ${signal}) after ${ranMs} ms; restart in ${delay} ms`);
      e.state = 'backoff';
      e.timer = setTimeout(() => {
        if (e.state !== 'backoff') return;
        e.restarts++;
        launch(e);
      }, delay);
    });
  };

  const stopEntry = async (e: Entry) => {
    clearTimeout(e.timer);
    const child = e.child;
    e.state = 'stopping';
    if (child?.pid) {
      note(`stopping ${e.spec.id} (${e.spec.stopSignal}, then SIGKILL after ${e.spec.stopTimeoutMs} ms)`);
      await stopPid(child.pid, e.spec.stopSignal, e.spec.stopTimeoutMs, () => child.exitCode !== null || child.signalCode !== null);
      await e.exited;
    }
    e.state = 'stopped';
  };

  return {
    start(spec) {
      const existing = entries.get(spec.id);
      if (existing && existing.state !== 'stopped') return view(existing);
      const e: Entry = { spec, hash: hashSpec(spec), child: null, state: 'stopped', restarts: 0, failures: 0 };
      entries.delete(spec.id);
      entries.set(spec.id, e);
      launch(e);
      return view(e);
    },
    async stop(id) {
      const e = entries.get(id);
      if (!e) return;
      await stopEntry(e);
      entries.delete(id);
    },
    async stopAll() {
      const order = [...entries.values()].reverse().sort((a, b) => b.spec.order - a.spec.order);
      for (const e of order) await stopEntry(e);
      entries.clear();
    },
    status: () => [...entries.values()].map(view),
  };
}
