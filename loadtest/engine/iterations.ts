// What one VU does per iteration, per scenario kind. The same flow is rendered into the k6 script
// (render-k6.ts); keep the two in step: endpoints, tags, statuses and job polling.
import type { Workload } from '../plan.js';
import { bodyBytes, type HttpClient, type HttpRequest, type HttpResult } from './http-client.js';
import type { IntervalRecorder } from './recorder.js';

export interface Vu {
  /** Global VU number, 1-based like k6's __VU. */
  id: number;
  /** The VU's connection in its thread's HttpClient. */
  lane: number;
  getHeaders: string[];
  jsonHeaders: string[];
  uploadHeaders: string[];
  fileId?: string;
  jobId?: string;
  /** The VU's status check and download, built once its job and file exist (the hot path). */
  statusCall?: SingleCall;
  downloadCall?: SingleCall;
  iterations: number;
}

/** A request that is a whole iteration by itself: a status check or a download. */
export interface SingleCall {
  endpoint: 'status' | 'download';
  req: HttpRequest;
}

export interface IterationEnv {
  client: HttpClient;
  rec: IntervalRecorder;
  workload: Workload;
  upload: Buffer;
  /** performance.now() epoch: the hard stop has passed; drop results, end the iteration. */
  isHardStopped: () => boolean;
  random: () => number;
}

/** Job params each op needs to be valid; the load test measures the pipeline, not the op. */
export const JOB_PARAMS: Record<string, Record<string, unknown>> = {
  info: {},
  optimize: {},
  merge: {},
  watermark: { text: 'prodctl load test' },
  rotate: { degrees: 90 },
  metadata: { title: 'prodctl load test' },
  extract: { pages: '1' },
  split: { ranges: ['1'] },
};

export class Interrupted extends Error {}

export function buildVu(id: number, key: string, authHeader: 'authorization' | 'x-api-key', uploadContentType: string, lane = 0): Vu {
  const auth = authHeader === 'authorization' ? ['authorization', `Bearer ${key}`] : ['x-api-key', key];
  const common = [...auth, 'user-agent', 'prodctl-loadtest'];
  return {
    id,
    lane,
    getHeaders: common,
    jsonHeaders: [...common, 'content-type', 'application/json'],
    uploadHeaders: [...common, 'content-type', uploadContentType],
    iterations: 0,
  };
}

async function call(env: IterationEnv, vu: Vu, endpoint: string, req: HttpRequest, startedAt?: number): Promise<HttpResult> {
  const t0 = startedAt ?? performance.now();
  const r = await env.client.send(req, vu.lane);
  if (env.isHardStopped()) throw new Interrupted();
  recordCall(env.rec, endpoint, req, r, t0);
  return r;
}

/** Records one request that started at `t0` (performance.now()). */
export function recordCall(rec: IntervalRecorder, endpoint: string, req: HttpRequest, r: HttpResult, t0: number): void {
  rec.request(endpoint, req.method, r.status, (r.endedAt - t0) * 1000, r.bytesIn, bodyBytes(req.body));
}

function readJson(r: HttpResult): Record<string, unknown> | undefined {
  if (!r.body) return undefined;
  try {
    return JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Upload the sample, create a job on it, poll it to the end; records job_completion(_time). */
export async function uploadFlow(env: IterationEnv, vu: Vu, startedAt?: number): Promise<void> {
  const up = await call(env, vu, 'upload', { method: 'POST', path: '/v1/files', headers: vu.uploadHeaders, body: env.upload, keepBody: true }, startedAt);
  const file = up.status >= 200 && up.status < 300 ? readJson(up) : undefined;
  if (!file || typeof file.id !== 'string') return;
  vu.fileId = file.id;
  vu.downloadCall = { endpoint: 'download', req: { method: 'GET', path: `/v1/files/${file.id}`, headers: vu.getHeaders, keepBody: false } };
  const op = env.workload.jobOp;
  const inputs = op === 'merge' ? [file.id, file.id] : [file.id];
  const created = performance.now();
  const jr = await call(env, vu, 'job', { method: 'POST', path: '/v1/jobs', headers: vu.jsonHeaders, body: JSON.stringify({ op, inputs, params: JOB_PARAMS[op] ?? {} }), keepBody: true });
  const job = jr.status >= 200 && jr.status < 300 ? readJson(jr) : undefined;
  if (!job || typeof job.id !== 'string') {
    env.rec.job(false, 0);
    return;
  }
  vu.jobId = job.id;
  let state = job.state;
  const path = `/v1/jobs/${job.id}`;
  vu.statusCall = { endpoint: 'status', req: { method: 'GET', path, headers: vu.getHeaders, keepBody: false } };
  while (state !== 'completed' && state !== 'failed') {
    if (performance.now() - created > env.workload.jobDeadlineMs) break;
    await sleep(env.workload.pollIntervalMs);
    if (env.isHardStopped()) throw new Interrupted();
    const st = await call(env, vu, 'status', { method: 'GET', path, headers: vu.getHeaders, keepBody: true });
    if (st.status === 200) state = readJson(st)?.state;
  }
  env.rec.job(state === 'completed', (performance.now() - created) * 1000);
}

/**
 * Starts an iteration (counts it, draws the mixed scenario's upload share once) and returns its
 * one request when that is all it is — a status check, or a download, once the VU has its job or
 * file — or undefined when it is the upload flow. A VU's first iteration of status, download and
 * mixed uploads, because a user can only see their own jobs and files (others' are 404).
 */
export function nextSingleCall(env: IterationEnv, vu: Vu): SingleCall | undefined {
  const kind = env.workload.kind;
  vu.iterations++;
  if (kind === 'upload') return undefined;
  if (kind === 'download') return vu.downloadCall;
  if (!vu.statusCall) return undefined;
  if (kind === 'mixed' && env.random() < env.workload.uploadShare) return undefined;
  return vu.statusCall;
}

/**
 * Runs an iteration planned by nextSingleCall: its single request, or the upload flow.
 * `startedAt` is the scheduled start in the open model (latency includes any wait for a VU).
 * Returns the request's promise instead of awaiting it: each async layer costs a promise and
 * microtask hops per request.
 */
export function runPlanned(env: IterationEnv, vu: Vu, single: SingleCall | undefined, startedAt?: number): Promise<unknown> {
  return single ? call(env, vu, single.endpoint, single.req, startedAt) : uploadFlow(env, vu, startedAt);
}

/** One whole iteration: nextSingleCall, then runPlanned. */
export function runIteration(env: IterationEnv, vu: Vu, startedAt?: number): Promise<unknown> {
  return runPlanned(env, vu, nextSingleCall(env, vu), startedAt);
}
