// Calibration of the built-in load engine against wrk, on the same loopback endpoint in the same
// run: top throughput at 100 connections (goal ≥ 0.8× wrk) and p50/p99 at equal connection
// counts (goal within ±15 % of wrk). The server is a separate process (the engine's own test
// API, GET /v1/jobs/:id) so neither load generator shares its event loop. wrk gets as many
// threads as the engine (`-t`): on this 2-core machine the target needs the other core.
// Each tool runs `--rounds` times, alternating, so a burst of other load on this shared machine
// hits both; top rps is the best round of each, latencies the median round (and, as info, the
// median of each round's ratio to the wrk run next to it, and wrk's ratio to its own next round:
// the agreement the machine's noise allows). Before the rounds,
// each tool loads the server once, unmeasured: the first seconds of a fresh server run its code
// unoptimized, and whichever tool came first would pay for it (wrk's p99 on a fresh server
// measured 285–325 ms, against 14–86 ms in its next runs).
// The server's own CPU per request under each tool is printed too: the same server work per
// request, a different rps, means the difference is in how the load reaches it.
// A third client at 100 connections, the engine's HTTP client bare (one connection per lane,
// requests back to back, nothing recorded), shows what the client costs by itself: the engine's
// CPU per request against it is the engine's own overhead; against wrk's, the client's.
// The engine's rps and latencies are its steady state (the first second, where each VU uploads
// and waits for its job before the status checks start, is left out), as wrk's is a status check
// throughout.
//   npx tsx bench/loadtest.bench.ts [--json] [--seconds 8] [--rounds 3] [--threads N]
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { timelineSecond } from '../loadtest/engine/aggregate.js';
import { addEncoded, createHistogram } from '../loadtest/engine/histogram.js';
import { HttpClient, type HttpRequest } from '../loadtest/engine/http-client.js';
import { defaultThreads, runEngine } from '../loadtest/engine/run-engine.js';
import { buildLoadPlan } from '../loadtest/plan.js';
import { renderSamplePdf } from '../loadtest/sample-pdf.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..');
const json = process.argv.includes('--json');
const arg = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
const seconds = arg('--seconds') ?? 8;
const rounds = arg('--rounds') ?? 3;
const threads = arg('--threads');
const log = (s: string) => {
  if (!json) process.stderr.write(`${s}\n`);
};

async function startServer(): Promise<{ origin: string; pid: number; stop: () => void }> {
  const serverModule = pathToFileURL(path.join(root, 'test/loadtest/support/pdf-api-server.ts')).href;
  const code = `import(${JSON.stringify(serverModule)}).then(async (m) => { const a = await m.startTestApi(); console.log(a.origin); })`;
  const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { origin, pid: child.pid!, stop: () => child.kill('SIGTERM') };
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

/** Both generators get the same threads: the engine's default for this target (or --threads). */
const genThreads = (origin: string) => threads ?? defaultThreads(origin);

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs one generator and adds the server's CPU per request over the same span. */
async function measured(run: () => Promise<Omit<Sample, 'serverCpuUsPerReq'> & { requests: number }>): Promise<Sample> {
  const cpu0 = cpuSecondsOf(server.pid);
  const { requests, ...s } = await run();
  return { ...s, serverCpuUsPerReq: ((cpuSecondsOf(server.pid) - cpu0) * 1e6) / requests };
}

async function runWrk(origin: string, connections: number, secs = seconds): Promise<Omit<Sample, 'serverCpuUsPerReq'> & { requests: number }> {
  const jobId = await makeJob(origin, 'wrk-user');
  // GNU time reports wrk's own CPU (user + sys) on stderr.
  const { stdout, stderr } = await exec('/usr/bin/time', ['-f', 'cpu %U %S', 'wrk', `-t${genThreads(origin)}`, `-c${connections}`, `-d${secs}s`, '--latency', '-H', 'Authorization: Bearer wrk-user', `${origin}/v1/jobs/${jobId}`], { timeout: (secs + 30) * 1000 });
  const cpu = /cpu ([\d.]+) ([\d.]+)/.exec(stderr);
  const w = parseWrk(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const requests = total ? Number(total[1]) : NaN;
  return { ...w, requests, cpuUsPerReq: cpu ? ((Number(cpu[1]) + Number(cpu[2])) * 1e6) / requests : NaN };
}

async function runBuiltin(origin: string, connections: number, secs = seconds): Promise<Omit<Sample, 'serverCpuUsPerReq'> & { requests: number }> {
  const plan = buildLoadPlan({
    allowed_hosts: [],
    max_duration: '10m',
    max_requests: 50_000_000,
    scenarios: { calibrate: { kind: 'status', executor: 'constant-vus', vus: connections, duration: `${secs + 1}s`, think_time: '0s', graceful_stop: '2s' } },
    thresholds: {},
  });
  const keys = Array.from({ length: connections }, (_, i) => `bench-${i + 1}`);
  // Latency over the same steady seconds as the rps: in the first second each VU uploads and
  // waits for its job, and the engine's fresh threads run unoptimized code. That second's p99
  // measured 6.8–18.3 ms where the seconds after it held 2.8–7.0 ms, and with 3–5 % of the
  // requests it lifted the whole run's p99 (3.76 ms against 2.8–3.4 ms in every later second of
  // one run). wrk has neither: a status check from its first request, in C.
  const isStatus = (s: { endpoint: string; method: string }) => s.endpoint === 'status' && s.method === 'GET';
  // Timeline second t holds the ticks taken about t s in, i.e. requests of [t-1, t): seconds
  // 2..secs+1 are the steady state after the first iteration's upload and poll.
  const isSteady = (t: number) => t >= 2 && t <= secs + 1;
  const steady = createHistogram('fast');
  const run = await runEngine({
    plan,
    origin,
    keys,
    pdf: Buffer.from(renderSamplePdf(1)),
    threads,
    onTick: (tick) => {
      if (!isSteady(timelineSecond(tick))) return; // the seconds the rps below is taken over
      for (const s of tick.series) if (isStatus(s)) addEncoded(steady, s.hist);
    },
  });
  const timeline = run.aggregate.timeline().filter((p) => isSteady(p.t));
  // Per second of the span, not per bucket present: a second without a bucket still passed.
  const rps = timeline.reduce((a, p) => a + p.requests, 0) / secs;
  // The whole run's p99 too, first second included (information: what the cut takes out).
  const whole = run.aggregate.merged(isStatus);
  const out = {
    rps,
    requests: run.aggregate.requests,
    p50: steady.getValueAtPercentile(50) / 1000,
    p99: steady.getValueAtPercentile(99) / 1000,
    p99WholeRun: whole.hist.getValueAtPercentile(99) / 1000,
    cpuUsPerReq: (run.cpuSeconds * 1e6) / run.aggregate.requests,
  };
  steady.destroy();
  whole.hist.destroy();
  return out;
}

/** cpuUsPerReq: the generator's own CPU per request — what it takes from a target on the same cores. */
type Sample = { rps: number; p50: number; p99: number; p99WholeRun?: number; cpuUsPerReq: number; serverCpuUsPerReq: number };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Best rps of the rounds; p50 and p99 of the median round (by p50). */
function combine(samples: Sample[]): Sample {
  const byP50 = [...samples].sort((a, b) => a.p50 - b.p50);
  const mid = byP50[Math.floor(byP50.length / 2)];
  return { rps: Math.max(...samples.map((s) => s.rps)), p50: mid.p50, p99: median(samples.map((s) => s.p99)), cpuUsPerReq: median(samples.map((s) => s.cpuUsPerReq)), serverCpuUsPerReq: median(samples.map((s) => s.serverCpuUsPerReq)) };
}

/**
 * The bare-client child (`--client-floor ORIGIN PATH CONNECTIONS SECONDS`): the engine's HTTP
 * client without the engine — one lane per connection, the same headers, the next request sent
 * right after a response ends. Prints its rps and CPU per request.
 */
async function runClientFloorChild(): Promise<never> {
  const [origin, reqPath, c, secs] = process.argv.slice(process.argv.indexOf('--client-floor') + 1);
  const req: HttpRequest = { method: 'GET', path: reqPath, headers: ['authorization', 'Bearer floor-user', 'user-agent', 'prodctl-loadtest'], keepBody: false };
  const client = new HttpClient(origin, Number(c), 60_000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + Number(secs) * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: Number(c) }, (_, lane) => {
      return new Promise<void>((resolve, reject) => {
        const next = () => (performance.now() < end ? client.dispatch(req, lane, onResult) : resolve());
        const onResult = (r: { status: number; error?: string }) => (r.status ? (requests++, queueMicrotask(next)) : reject(new Error(r.error)));
        next();
      });
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${JSON.stringify({ rps: (requests * 1000) / (performance.now() - t0), requests, cpuUsPerReq: (cpu.user + cpu.system) / requests })}\n`);
  process.exit(0);
}

async function runClientFloor(origin: string, connections: number): Promise<{ rps: number; requests: number; cpuUsPerReq: number }> {
  const jobId = await makeJob(origin, 'floor-user');
  const tsx = pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const { stdout } = await exec(process.execPath, ['--import', tsx, import.meta.filename, '--client-floor', origin, `/v1/jobs/${jobId}`, String(connections), String(seconds)], { timeout: (seconds + 30) * 1000 });
  return JSON.parse(stdout) as { rps: number; requests: number; cpuUsPerReq: number };
}

if (process.argv.includes('--client-floor')) await runClientFloorChild();
const server = await startServer();
const results: { name: string; value: number; unit: string; baseline: number; ratio: number; goal: string; ok: boolean }[] = [];
try {
  await runWrk(server.origin, 100, 2);
  await runBuiltin(server.origin, 100, 2);
  for (const c of [100, 10]) {
    const wrkRuns: Sample[] = [];
    const ourRuns: Sample[] = [];
    const floorRuns: { rps: number; cpuUsPerReq: number; serverCpuUsPerReq: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      const w = await measured(() => runWrk(server.origin, c));
      wrkRuns.push(w);
      log(`wrk     c=${c} round ${r + 1}: ${w.rps.toFixed(0)} req/s, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, ${w.cpuUsPerReq.toFixed(0)} µs CPU/req, server ${w.serverCpuUsPerReq.toFixed(0)} µs CPU/req`);
      const o = await measured(() => runBuiltin(server.origin, c));
      ourRuns.push(o);
      log(`builtin c=${c} round ${r + 1}: ${o.rps.toFixed(0)} req/s, p50 ${o.p50.toFixed(2)} ms, p99 ${o.p99.toFixed(2)} ms (whole run ${o.p99WholeRun!.toFixed(2)}), ${o.cpuUsPerReq.toFixed(0)} µs CPU/req, server ${o.serverCpuUsPerReq.toFixed(0)} µs CPU/req`);
      if (c !== 100) continue;
      const f = await measured(async () => ({ ...(await runClientFloor(server.origin, c)), p50: NaN, p99: NaN }));
      floorRuns.push(f);
      log(`client  c=${c} round ${r + 1}: ${f.rps.toFixed(0)} req/s, ${f.cpuUsPerReq.toFixed(0)} µs CPU/req, server ${f.serverCpuUsPerReq.toFixed(0)} µs CPU/req (bare HTTP client, nothing recorded)`);
    }
    const wrk = combine(wrkRuns);
    const ours = combine(ourRuns);
    // The median round too: on a shared machine one quiet round can make either "top" look good.
    const medRps = (xs: Sample[]) => median(xs.map((x) => x.rps));
    if (c === 100) results.push({ name: 'median rps (100 connections)', value: medRps(ourRuns), unit: 'req/s', baseline: medRps(wrkRuns), ratio: medRps(ourRuns) / medRps(wrkRuns), goal: 'info', ok: true });
    const within = (r: number) => r >= 0.85 && r <= 1.15;
    if (c === 100) results.push({ name: 'generator CPU per request (100 connections)', value: ours.cpuUsPerReq, unit: 'µs', baseline: wrk.cpuUsPerReq, ratio: ours.cpuUsPerReq / wrk.cpuUsPerReq, goal: 'info', ok: true });
    if (c === 100) {
      const floorCpu = median(floorRuns.map((f) => f.cpuUsPerReq));
      const floorTop = Math.max(...floorRuns.map((f) => f.rps));
      results.push({ name: 'engine CPU per request vs its bare HTTP client (100 connections)', value: ours.cpuUsPerReq, unit: 'µs', baseline: floorCpu, ratio: ours.cpuUsPerReq / floorCpu, goal: 'info', ok: true });
      results.push({ name: 'bare HTTP client top rps vs wrk (100 connections)', value: floorTop, unit: 'req/s', baseline: wrk.rps, ratio: floorTop / wrk.rps, goal: 'info', ok: true });
    }
    if (c === 100) results.push({ name: 'server CPU per request (100 connections)', value: ours.serverCpuUsPerReq, unit: 'µs', baseline: wrk.serverCpuUsPerReq, ratio: ours.serverCpuUsPerReq / wrk.serverCpuUsPerReq, goal: 'info', ok: true });
    if (c === 100) results.push({ name: 'top rps (100 connections)', value: ours.rps, unit: 'req/s', baseline: wrk.rps, ratio: ours.rps / wrk.rps, goal: '>= 0.8', ok: ours.rps / wrk.rps >= 0.8 });
    results.push({ name: `p50 latency (${c} connections)`, value: ours.p50, unit: 'ms', baseline: wrk.p50, ratio: ours.p50 / wrk.p50, goal: '0.85..1.15', ok: within(ours.p50 / wrk.p50) });
    results.push({ name: `p99 latency (${c} connections)`, value: ours.p99, unit: 'ms', baseline: wrk.p99, ratio: ours.p99 / wrk.p99, goal: '0.85..1.15', ok: within(ours.p99 / wrk.p99) });
    const whole = median(ourRuns.map((o) => o.p99WholeRun!));
    results.push({ name: `p99 latency, engine's whole run with its first second (${c} connections)`, value: whole, unit: 'ms', baseline: wrk.p99, ratio: whole / wrk.p99, goal: 'info', ok: true });
    // Each round's engine run next to the wrk run just before it, so slow drift in the machine's
    // load cancels; and wrk against its own next round, the agreement this machine allows at all.
    for (const q of ['p50', 'p99'] as const) {
      const paired = median(ourRuns.map((o, i) => o[q] / wrkRuns[i][q]));
      results.push({ name: `${q} latency, median of paired rounds (${c} connections)`, value: paired, unit: 'ratio', baseline: 1, ratio: paired, goal: 'info', ok: true });
      if (rounds < 2) continue;
      const self = median(wrkRuns.slice(1).map((w, i) => w[q] / wrkRuns[i][q]));
      const spread = Math.max(...wrkRuns.map((w) => w[q])) / Math.min(...wrkRuns.map((w) => w[q]));
      results.push({ name: `${q} latency, wrk against its next round (${c} connections)`, value: self, unit: 'ratio', baseline: spread, ratio: self, goal: 'info: baseline = max/min over wrk rounds', ok: true });
    }
  }
} finally {
  server.stop();
}
const round = (v: number) => Math.round(v * 1000) / 1000;
process.stdout.write(`${JSON.stringify({ bench: 'loadtest', results: results.map((r) => ({ ...r, value: round(r.value), baseline: round(r.baseline), ratio: round(r.ratio) })) })}\n`);
process.exit(0);
