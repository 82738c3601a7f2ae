// What one VU does per iteration, per scenario kind. The same flow is rendered into the k6 script
// (render-k6.ts); keep the two in step: endpoints, tags, statuses and job polling.
import type { Workload } from '../plan.js';
import type { HttpClient, HttpRequest, HttpResult } from './http-client.js';
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
  /** GET path of the VU's job, built once (the status check is the hot path). */
  statusPath?: string;
  iterations: number;
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
  const bytesOut = req.body === undefined ? 0 : typeof req.body === 'string' ? Buffer.byteLength(req.body) : req.body.length;
  env.rec.request(endpoint, req.method, r.status, (r.endedAt - t0) * 1000, r.bytesIn, bytesOut);
  return r;
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
  vu.statusPath = path;
  while (state !== 'completed' && state !== 'failed') {
    if (performance.now() - created > env.workload.jobDeadlineMs) break;
    await sleep(env.workload.pollIntervalMs);
    if (env.isHardStopped()) throw new Interrupted();
    const st = await call(env, vu, 'status', { method: 'GET', path, headers: vu.getHeaders, keepBody: true });
    if (st.status === 200) state = readJson(st)?.state;
  }
  env.rec.job(state === 'completed', (performance.now() - created) * 1000);
}

// statusCheck, download and runIteration return the request's promise instead of awaiting it:
// each async layer costs a promise and microtask hops on the hot path, per request.
function statusCheck(env: IterationEnv, vu: Vu, startedAt?: number): Promise<unknown> {
  return call(env, vu, 'status', { method: 'GET', path: vu.statusPath ?? `/v1/jobs/${vu.jobId}`, headers: vu.getHeaders, keepBody: false }, startedAt);
}

function download(env: IterationEnv, vu: Vu, startedAt?: number): Promise<unknown> {
  return call(env, vu, 'download', { method: 'GET', path: `/v1/files/${vu.fileId}`, headers: vu.getHeaders, keepBody: false }, startedAt);
}

/**
 * One iteration. A VU's first iteration of status/download/mixed uploads, because a user can
 * only see their own jobs and files (others' are 404) — so it needs one first.
 * `startedAt` is the scheduled start in the open model (latency includes any wait for a VU).
 */
export function runIteration(env: IterationEnv, vu: Vu, startedAt?: number): Promise<unknown> {
  const kind = env.workload.kind;
  vu.iterations++;
  if (kind === 'upload') return uploadFlow(env, vu, startedAt);
  if (kind === 'download') return vu.fileId ? download(env, vu, startedAt) : uploadFlow(env, vu, startedAt);
  if (!vu.jobId) return uploadFlow(env, vu, startedAt);
  if (kind === 'mixed' && env.random() < env.workload.uploadShare) return uploadFlow(env, vu, startedAt);
  return statusCheck(env, vu, startedAt);
}
