// Helpers for the end-to-end test of the REAL plan on the engine: the pipeline a user runs
// (fixture profile → loadProfile → computePlan → renderAll → write), new runtime builds derived
// from the offline image, and talking to the running runtime (API key, a job through the edge).
import path from 'node:path';
import type Docker from 'dockerode';
import { execa } from 'execa';
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { loadProfile } from '../../profile/load-profile.js';
import { buildImage } from '../../targets/docker/build-image.js';
import { listServiceContainers } from '../../targets/docker/containers.js';
import { execText } from '../../engine/exec.js';
import { renderAll } from '../../templates/render-all.js';
import { writeRendered } from '../../templates/write-rendered.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import type { WrkResult } from './engine-support.js';
import { parseWrk } from './engine-support.js';

export const REAL_PROFILE = path.join(FIXTURE_DIR, 'prodctl.yaml');

/** What `prodctl deploy -f test/fixtures/docker/prodctl.yaml --set …` computes before it touches the engine. */
export async function loadRealStack(renderedDir: string, sets: string[], profile = REAL_PROFILE): Promise<StackPlan> {
  const loaded = await loadProfile({ path: profile, sets });
  const plan = computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
  writeRendered(renderAll(plan), renderedDir);
  return plan;
}

/** A new runtime build (a different image on the same code), or one whose health probe always fails. */
export async function buildRuntimeVariant(docker: Docker, tag: string, broken: boolean): Promise<void> {
  await buildImage(docker, {
    contextDir: path.join(FIXTURE_DIR, 'runtime-build'),
    dockerfile: 'Dockerfile',
    tags: [tag],
    buildArgs: { BUILD_NAME: tag, BROKEN: broken ? '1' : '0' },
  });
}

/** Runs a node script inside the first running API container, with the runtime's own modules. */
export async function runInApi(docker: Docker, project: string, script: string): Promise<string> {
  const [api] = (await listServiceContainers(docker, project, 'api')).filter((c) => c.State === 'running');
  const r = await execText(docker, api.Id, ['node', '--input-type=module', '-e', script]);
  if (r.exitCode !== 0) throw new Error(`node in ${api.Names[0]} exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** An API key made the way the runtime checks it (its config's pepper, its database). */
export function createApiKeyInApi(docker: Docker, project: string): Promise<string> {
  return runInApi(
    docker,
    project,
    [
      "const d = process.cwd() + '/dist/runtime/core/';",
      "const { readConfig } = await import(d + 'config.js'); const { createPool } = await import(d + 'db.js');",
      "const { createApiKey } = await import(d + 'api-keys.js');",
      "const cfg = readConfig(process.env, 'api'); const pool = createPool(cfg.pg);",
      "const k = await createApiKey(pool, 'docker-real-plan', cfg.apiKeyPepper); await pool.end(); process.stdout.write(k.key);",
    ].join(' '),
  );
}

export interface JobRoundTrip {
  fileId: string;
  jobId: string;
  state: string;
  outputs: { id: string; bytes: number; head: string }[];
}

/** Upload a PDF through the edge, run a split job, download every output. */
export async function runSplitJob(base: string, key: string, timeoutMs = 90_000): Promise<JobRoundTrip> {
  const auth = { authorization: `Bearer ${key}` };
  const up = await fetch(`${base}/v1/files`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: await makePdf(4) });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${await up.text()}`);
  const fileId = ((await up.json()) as { id: string }).id;
  const created = await fetch(`${base}/v1/jobs`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'split', inputs: [fileId], params: { ranges: ['1-2', '3-'] } }),
  });
  if (created.status !== 202) throw new Error(`job: ${created.status} ${await created.text()}`);
  const jobId = ((await created.json()) as { id: string }).id;
  const deadline = Date.now() + timeoutMs;
  let job: { state: string; result: { files?: string[]; outputs?: string[] } | null } = { state: 'queued', result: null };
  while (Date.now() < deadline && !['completed', 'failed'].includes(job.state)) {
    await new Promise((r) => setTimeout(r, 250));
    job = (await (await fetch(`${base}/v1/jobs/${jobId}`, { headers: auth })).json()) as typeof job;
  }
  const ids = collectFileIds(job.result);
  const outputs = [];
  for (const id of ids) {
    const res = await fetch(`${base}/v1/files/${id}`, { headers: auth });
    const body = Buffer.from(await res.arrayBuffer());
    outputs.push({ id, bytes: body.length, head: body.subarray(0, 5).toString('latin1') });
  }
  return { fileId, jobId, state: job.state, outputs };
}

/** File ids in a job result, whatever the op's result shape (ids are UUIDs). */
function collectFileIds(result: unknown): string[] {
  const text = JSON.stringify(result ?? null);
  return [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])];
}

/** wrk against the edge until stop() (SIGINT makes wrk print its totals), bounded by maxSeconds. */
export function startOpenWrk(port: number, pathName: string, maxSeconds: number): { stop: () => Promise<WrkResult> } {
  const child = execa('wrk', ['-t2', '-c16', `-d${maxSeconds}s`, '--timeout', '10s', `http://127.0.0.1:${port}${pathName}`], { reject: false });
  return {
    stop: async () => {
      child.kill('SIGINT');
      const r = await child;
      return parseWrk(String(r.stdout));
    },
  };
}
