// What travels between the main thread and the VU workers. Plain data only (structured clone).
import type { LoadPlan } from '../plan.js';

export interface WorkerInit {
  index: number;
  count: number;
  origin: string;
  plan: LoadPlan;
  /** API keys for the VUs this worker may run, by global VU number (1-based, like k6's __VU). */
  keys: string[];
  /** Global number of this worker's first VU; its VUs are a contiguous block from there. */
  firstVu: number;
  pdf: Uint8Array;
  authHeader: 'authorization' | 'x-api-key';
  requestTimeoutMs: number;
}

export interface SeriesSnapshot {
  endpoint: string;
  method: string;
  status: number;
  count: number;
  failed: number;
  hist: string;
}

/** Counters of one interval (in a tick) or of the whole run (in the aggregate). */
export interface Counters {
  iterations: number;
  interruptedIterations: number;
  droppedIterations: number;
  jobsCompleted: number;
  jobsNotCompleted: number;
  bytesIn: number;
  bytesOut: number;
}

export interface WorkerTick extends Counters {
  type: 'tick';
  index: number;
  final: boolean;
  /** When the interval ended, in ms since the schedule's start, by the worker's own clock. */
  elapsedMs: number;
  series: SeriesSnapshot[];
  iterationHist: string;
  jobTimeHist: string;
  vus: number;
  vusMax: number;
}

/** `start` carries the epoch ms at which the schedule starts, the same for every worker. */
export type MainToWorker = { type: 'stop'; hard: boolean } | { type: 'start'; startAt: number };

export type WorkerToMain = WorkerTick | { type: 'ready'; index: number } | { type: 'error'; message: string };
