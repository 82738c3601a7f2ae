// Where the native target keeps its state under <stateDir>/native.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export interface NativePaths {
  root: string;
  logDir: string;
  pidDir: string;
  dataDir: string;
  configDir: string;
  stateFile: string;
  endpointsFile: string;
  supervisorPid: string;
  supervisorLog: string;
  controlSocket: string;
}

/** Logs may quote requests and queries: readable by the stack's account and its group, nobody else. */
export const LOG_FILE_MODE = 0o640;
export const LOG_DIR_MODE = 0o750;

// A unix socket path must fit in 108 bytes; deep state folders get a short one in the temp dir.
const MAX_SOCKET_PATH = 100;

export function nativePaths(stateDir: string): NativePaths {
  const root = path.join(path.resolve(stateDir), 'native');
  const local = path.join(root, 'supervisor.sock');
  const short = path.join(os.tmpdir(), `prodctl-${createHash('sha256').update(root).digest('hex').slice(0, 12)}.sock`);
  return {
    root,
    logDir: path.join(root, 'logs'),
    pidDir: path.join(root, 'pids'),
    dataDir: path.join(root, 'data'),
    configDir: path.join(root, 'config'),
    stateFile: path.join(root, 'state.json'),
    endpointsFile: path.join(root, 'endpoints.json'),
    supervisorPid: path.join(root, 'supervisor.pid'),
    supervisorLog: path.join(root, 'logs', 'supervisor.log'),
    controlSocket: local.length <= MAX_SOCKET_PATH ? local : short,
  };
}
