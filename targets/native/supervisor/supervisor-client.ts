// The CLI side of the supervisor: finds the daemon through its control socket, starts it when
// it is not running, and sends it requests.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { TargetError } from '../../../lib/errors.js';
import { LOG_DIR_MODE, LOG_FILE_MODE, nativePaths, type NativePaths } from './paths.js';
import { isProcessAlive } from '../../../lib/process-alive.js';
import type { ProcessSpec, ProcessStatus } from './types.js';

export interface SupervisorClient {
  paths: NativePaths;
  status(): Promise<ProcessStatus[]>;
  start(spec: ProcessSpec): Promise<ProcessStatus>;
  stop(id: string): Promise<void>;
  shutdown(): Promise<void>;
}

function request<T>(socketPath: string, method: string, url: string, body?: unknown, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: url, headers: { 'content-type': 'application/json' }, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        const parsed = text ? JSON.parse(text) : {};
        if ((res.statusCode ?? 500) >= 400) reject(new TargetError(`supervisor: ${parsed.error ?? res.statusCode}`, 'see <state>/native/logs/supervisor.log'));
        else resolve(parsed as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function clientFor(paths: NativePaths): SupervisorClient {
  const sock = paths.controlSocket;
  return {
    paths,
    status: () => request<ProcessStatus[]>(sock, 'GET', '/status'),
    start: (spec) => request<ProcessStatus>(sock, 'POST', '/start', { spec }),
    // Stops wait for the process's own grace period (plus the SIGKILL step).
    stop: (id) => request<void>(sock, 'POST', '/stop', { id }, 180_000),
    async shutdown() {
      const pid = supervisorPid(paths);
      await request<void>(sock, 'POST', '/shutdown', {}, 600_000);
      // The daemon answers before it exits: wait for it, so "stopped" means nothing runs.
      const deadline = Date.now() + 10_000;
      while (pid && isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    },
  };
}

/** The running supervisor of this state folder, or null. */
export async function findSupervisor(stateDir: string): Promise<SupervisorClient | null> {
  const paths = nativePaths(stateDir);
  if (!existsSync(paths.controlSocket)) return null;
  const c = clientFor(paths);
  try {
    await c.status();
    return c;
  } catch {
    return null;
  }
}

export function supervisorPid(paths: NativePaths): number | null {
  try {
    const pid = (JSON.parse(readFileSync(paths.supervisorPid, 'utf8')) as { pid: number }).pid;
    return isProcessAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The daemon's entry point next to this module: .js when built, .ts under tsx (tests). */
function daemonArgv(): string[] {
  const js = path.join(import.meta.dirname, 'supervisor-main.js');
  if (existsSync(js)) return [process.execPath, js];
  return [process.execPath, '--import', 'tsx', path.join(import.meta.dirname, 'supervisor-main.ts')];
}

/** The log folder 0750 and its files 0640: older stacks made them 0755 / 0644. */
export function tightenLogModes(paths: NativePaths): void {
  mkdirSync(paths.logDir, { recursive: true, mode: LOG_DIR_MODE });
  chmodSync(paths.logDir, LOG_DIR_MODE);
  for (const f of readdirSync(paths.logDir)) chmodSync(path.join(paths.logDir, f), LOG_FILE_MODE);
}

/** Connects to the supervisor, starting it (detached, outliving this CLI process) when needed. */
export async function ensureSupervisor(stateDir: string): Promise<{ client: SupervisorClient; started: boolean }> {
  const found = await findSupervisor(stateDir);
  if (found) return { client: found, started: false };
  const paths = nativePaths(stateDir);
  tightenLogModes(paths);
  const out = openSync(paths.supervisorLog, 'a', LOG_FILE_MODE);
  const [cmd, ...args] = daemonArgv();
  const child = spawn(cmd, [...args, path.resolve(stateDir)], { detached: true, stdio: ['ignore', out, out], cwd: path.resolve(import.meta.dirname, '../../..'), env: { ...process.env, PRODCTL_NATIVE_STACK: path.resolve(stateDir) } });
  child.unref();
  const deadline = Date.now() + 20_000;
  for (;;) {
    const c = await findSupervisor(stateDir);
    if (c) return { client: c, started: true };
    if (child.exitCode !== null) throw new TargetError(`the process supervisor exited with code ${child.exitCode}`, `see ${paths.supervisorLog}`);
    if (Date.now() > deadline) throw new TargetError('the process supervisor did not start within 20 s', `see ${paths.supervisorLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
