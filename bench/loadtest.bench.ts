// Calibration of the built-in load engine against wrk, on the same loopback endpoint in the same
// run: top throughput at 100 connections (goal ≥ 0.8× wrk) and p50/p99 at equal connection
// counts (goal within ±15 % of wrk). The server is a separate process (the engine's own test
// API, GET /v1/jobs/:id) so neither load generator shares its event loop.
//   npx tsx bench/loadtest.bench.ts [--json] [--seconds 8]
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { runEngine } from '../loadtest/engine/run-engine.js';
import { buildLoadPlan } from '../loadtest/plan.js';
import { renderSamplePdf } from '../loadtest/sample-pdf.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const json = process.argv.includes('--json');
const arg = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
const seconds = arg('--seconds') ?? 8;
const threads = arg('--threads');
const log = (s: string) => {
  if (!json) process.stderr.write(`${s}\n`);
};

async function startServer(): Promise<{ origin: string; stop: () => void }> {
  const serverModule = pathToFileURL(path.join(root, 'test/loadtest/support/pdf-api-server.ts')).href;
  const code = `import(${JSON.stringify(serverModule)}).then(async (m) => { const a = await m.startTestApi(); console.log(a.origin); })`;
  const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { origin, stop: () => child.kill('SIGTERM') };
}

/** wrk's "Latency" and "Requests/sec" lines, in ms and req/s. */
export function parseWrk(out: string): { rps: number; p50: number; p99: number } {
  const unit = (v: string, u: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[u] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
    if (!m) throw new Error(`no ${p}% line in wrk output`);
    return unit(m[1], m[2]);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error('no Requests/sec in wrk output');
  return { rps: Number(rps[1]), p50: pct('50'), p99: pct('99') };
}

async function makeJob(origin: string, key: string): Promise<string> {
  const head = { authorization: `Bearer ${key}` };
  const file = (await (await fetch(`${origin}/v1/files`, { method: 'POST', headers: { ...head, 'content-type': 'application/pdf' }, body: renderSamplePdf(1) })).json()) as { id: string };
  const job = (await (await fetch(`${origin}/v1/jobs`, { method: 'POST', headers: { ...head, 'content-type': 'application/json' }, body: JSON.stringify({ op: 'info', inputs: [file.id] }) })).json()) as { id: string };
  return job.id;
}

async function runWrk(origin: string, connections: number): Promise<{ rps: number; p50: number; p99: number }> {
  const jobId = await makeJob(origin, 'wrk-user');
  const { stdout } = await exec('wrk', ['-t2', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', 'Authorization: Bearer wrk-user', `${origin}/v1/jobs/${jobId}`], { timeout: (seconds + 30) * 1000 });
  return parseWrk(stdout);
}

async function runBuiltin(origin: string, connections: number): Promise<{ rps: number; p50: number; p99: number }> {
  const plan = buildLoadPlan({
    allowed_hosts: [],
    max_duration: '10m',
    max_requests: 50_000_000,
    scenarios: { calibrate: { kind: 'status', executor: 'constant-vus', vus: connections, duration: `${seconds + 2}s`, think_time: '0s', graceful_stop: '2s' } },
    thresholds: {},
  });
  const keys = Array.from({ length: connections }, (_, i) => `bench-${i + 1}`);
  const run = await runEngine({ plan, origin, keys, pdf: Buffer.from(renderSamplePdf(1)), threads });
  // k6's http_reqs rate: every request over the whole run (the first iteration's upload and
  // job poll included, a small handicap for the engine).
  const rps = run.aggregate.requests / (run.durationMs / 1000);
  const st = run.aggregate.merged((s) => s.endpoint === 'status' && s.method === 'GET');
  const out = { rps, p50: st.hist.getValueAtPercentile(50) / 1000, p99: st.hist.getValueAtPercentile(99) / 1000 };
  st.hist.destroy();
  return out;
}

const server = await startServer();
const results: { name: string; value: number; unit: string; baseline: number; ratio: number; goal: string }[] = [];
try {
  for (const c of [100, 10]) {
    const wrk = await runWrk(server.origin, c);
    log(`wrk     c=${c}: ${wrk.rps.toFixed(0)} req/s, p50 ${wrk.p50.toFixed(2)} ms, p99 ${wrk.p99.toFixed(2)} ms`);
    const ours = await runBuiltin(server.origin, c);
    log(`builtin c=${c}: ${ours.rps.toFixed(0)} req/s, p50 ${ours.p50.toFixed(2)} ms, p99 ${ours.p99.toFixed(2)} ms`);
    if (c === 100) results.push({ name: 'top rps (100 connections)', value: ours.rps, unit: 'req/s', baseline: wrk.rps, ratio: ours.rps / wrk.rps, goal: '>= 0.8' });
    results.push({ name: `p50 latency (${c} connections)`, value: ours.p50, unit: 'ms', baseline: wrk.p50, ratio: ours.p50 / wrk.p50, goal: '0.85..1.15' });
    results.push({ name: `p99 latency (${c} connections)`, value: ours.p99, unit: 'ms', baseline: wrk.p99, ratio: ours.p99 / wrk.p99, goal: '0.85..1.15' });
  }
} finally {
  server.stop();
}
const round = (v: number) => Math.round(v * 1000) / 1000;
process.stdout.write(`${JSON.stringify({ bench: 'loadtest', results: results.map((r) => ({ ...r, value: round(r.value), baseline: round(r.baseline), ratio: round(r.ratio) })) })}\n`);
process.exit(0);
