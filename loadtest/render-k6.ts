// k6 scripts from the load plan: the same scenarios, thresholds and iteration flow as the
// built-in engine (loadtest/engine/iterations.ts), written in TypeScript against @types/k6.
// Pure: the plan in, files out.
import type { StackPlan } from '../plan/types.js';
import type { RenderedFile } from '../lib/rendered-file.js';
import { JOB_PARAMS } from './engine/iterations.js';
import { buildLoadPlan, type LoadPlan } from './plan.js';
import { renderSamplePdf } from './sample-pdf.js';

export const OPTIONS_BEGIN = '// prodctl:options:begin';
export const OPTIONS_END = '// prodctl:options:end';

export function renderK6Script(plan: LoadPlan): string {
  const closed = !plan.options.scenarios[plan.scenarioName].executor.endsWith('arrival-rate');
  return `// Rendered by prodctl from the profile's loadtest.scenarios.${plan.scenarioName}. Do not edit: re-render.
// Run:  k6 run -e BASE_URL=http://127.0.0.1:8080 -e KEYS_FILE=./keys.json --summary-export summary.json ${plan.scenarioName}.ts
// KEYS_FILE is a JSON array of API keys, one per VU (\`prodctl loadtest run --engine k6\` mints them).
import { sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';

${OPTIONS_BEGIN}
export const options: Options = ${JSON.stringify(plan.options, null, 2)};
${OPTIONS_END}

const WORKLOAD = ${JSON.stringify(plan.workload)};
const JOB_PARAMS: Record<string, Record<string, unknown>> = ${JSON.stringify(JOB_PARAMS)};
const CLOSED_MODEL = ${closed};

const BASE_URL: string = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const keys = new SharedArray('api keys', (): string[] => JSON.parse(open(__ENV.KEYS_FILE || './keys.json')) as string[]);
const pdf = open('./${plan.scenarioName}.pdf', 'b');

const jobCompletion = new Rate('job_completion');
const jobCompletionTime = new Trend('job_completion_time', true);

// Per-VU state (each VU has its own JS runtime): a user sees only its own jobs and files.
const state: { fileId?: string; jobId?: string; started: boolean } = { started: false };

function auth(extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: \`Bearer \${keys[(exec.vu.idInTest - 1) % keys.length]}\`, ...extra };
}

function idOf(res: http.RefinedResponse<http.ResponseType | undefined>): string | undefined {
  if (res.status < 200 || res.status >= 300) return undefined;
  const body = res.json() as { id?: unknown } | null;
  return body && typeof body.id === 'string' ? body.id : undefined;
}

function uploadFlow(): void {
  const up = http.post(\`\${BASE_URL}/v1/files\`, { file: http.file(pdf, 'sample.pdf', 'application/pdf') }, { headers: auth(), tags: { endpoint: 'upload' } });
  const fileId = idOf(up);
  if (!fileId) return;
  state.fileId = fileId;
  const op = WORKLOAD.jobOp;
  const created = Date.now();
  const jr = http.post(\`\${BASE_URL}/v1/jobs\`, JSON.stringify({ op, inputs: op === 'merge' ? [fileId, fileId] : [fileId], params: JOB_PARAMS[op] || {} }), {
    headers: auth({ 'Content-Type': 'application/json' }),
    tags: { endpoint: 'job' },
  });
  const jobId = idOf(jr);
  if (!jobId) {
    jobCompletion.add(false);
    return;
  }
  state.jobId = jobId;
  let jobState = (jr.json() as { state?: string }).state;
  while (jobState !== 'completed' && jobState !== 'failed' && Date.now() - created <= WORKLOAD.jobDeadlineMs) {
    sleep(WORKLOAD.pollIntervalMs / 1000);
    const st = http.get(\`\${BASE_URL}/v1/jobs/\${jobId}\`, { headers: auth(), tags: { endpoint: 'status' } });
    if (st.status === 200) jobState = (st.json() as { state?: string }).state;
  }
  jobCompletion.add(jobState === 'completed');
  if (jobState === 'completed') jobCompletionTime.add(Date.now() - created);
}

function begin(): void {
  // Spread the first iterations over one think time, as the built-in engine does.
  if (!state.started) {
    state.started = true;
    if (CLOSED_MODEL && WORKLOAD.thinkTimeMs > 0) sleep((Math.random() * WORKLOAD.thinkTimeMs) / 1000);
  }
}

function end(): void {
  if (CLOSED_MODEL && WORKLOAD.thinkTimeMs > 0) sleep(WORKLOAD.thinkTimeMs / 1000);
}

function statusCheck(): void {
  http.get(\`\${BASE_URL}/v1/jobs/\${state.jobId}\`, { headers: auth(), tags: { endpoint: 'status' } });
}

export function upload(): void {
  begin();
  uploadFlow();
  end();
}

export function status(): void {
  begin();
  if (!state.jobId) uploadFlow();
  else statusCheck();
  end();
}

export function download(): void {
  begin();
  if (!state.fileId) uploadFlow();
  else http.get(\`\${BASE_URL}/v1/files/\${state.fileId}\`, { headers: auth(), tags: { endpoint: 'download' } });
  end();
}

export function mixed(): void {
  begin();
  if (!state.jobId || Math.random() < WORKLOAD.uploadShare) uploadFlow();
  else statusCheck();
  end();
}

export default mixed;
`;
}

/** The options block of a rendered script, parsed back (for the equality check with the engine). */
export function extractK6Options(script: string): unknown {
  const a = script.indexOf(OPTIONS_BEGIN);
  const b = script.indexOf(OPTIONS_END);
  if (a < 0 || b < 0) throw new Error('no prodctl options block in the script');
  const block = script.slice(a + OPTIONS_BEGIN.length, b).trim();
  return JSON.parse(block.replace(/^export const options: Options = /, '').replace(/;\s*$/, ''));
}

export function renderK6Files(plans: LoadPlan[]): RenderedFile[] {
  return plans.flatMap((p) => [
    { path: `loadtest/${p.scenarioName}.ts`, content: renderK6Script(p) },
    { path: `loadtest/${p.scenarioName}.pdf`, content: renderSamplePdf(p.workload.samplePages) },
  ]);
}

/** One k6 script per profile scenario, each with the sample PDF it uploads. */
export function renderK6(plan: StackPlan): RenderedFile[] {
  const lt = plan.profile.loadtest;
  return renderK6Files(Object.keys(lt.scenarios).map((name) => buildLoadPlan(lt, { scenario: name })));
}
