// What the supervisor runs (a ProcessSpec, plain data built by the native target) and what it
// reports back. Shared by the supervisor daemon and its client.
import { createHash } from 'node:crypto';

export interface ProcessSpec {
  /** Unique in the stack: `postgres`, `api-3`, `worker-1`, … */
  id: string;
  /** Plan service the process belongs to. */
  service: string;
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Run as this account (root only: Postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** Postgres stops fastest on SIGINT; everything else on SIGTERM. */
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Start rank: data stores first, the edge after the API. `down` stops the highest rank first. */
  order: number;
}

export type ProcessState = 'running' | 'backoff' | 'stopping' | 'stopped';

export interface ProcessStatus {
  id: string;
  service: string;
  specHash: string;
  state: ProcessState;
  pid?: number;
  /** epoch ms of the current run */
  startedAt?: number;
  restarts: number;
  lastExit?: { code: number | null; signal: string | null; at: number };
}

/** Same hash = same process: `up` leaves it alone. */
export function hashSpec(s: ProcessSpec): string {
  return createHash('sha256').update(JSON.stringify([s.argv, s.env, s.cwd, s.uid ?? null, s.gid ?? null])).digest('hex').slice(0, 16);
}

/** Restart delay after `failures` quick crashes in a row: 200 ms doubling, at most 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(30_000, 200 * 2 ** Math.max(0, failures - 1));
}

/** A run longer than this resets the backoff: the process was healthy, the crash is new. */
export const STABLE_RUN_MS = 30_000;
