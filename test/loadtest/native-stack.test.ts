// `prodctl loadtest run --engine builtin` (the real CLI process) against a real native stack that
// `prodctl up` brought up — Postgres, Redis, the runtime's API and BullMQ workers, HAProxy — with
// keys minted by `prodctl keys create`, the mixed scenario (uploads, jobs, status checks) through
// the edge, and the success metrics as thresholds. Then the same stack made too weak on purpose
// (one worker left, a slow op on 2,000-page uploads in half of the iterations, a 1 s job
// deadline) must fail with exit 99 naming the thresholds.
// Reports land in test-output/loadtest/native/. Load is bounded: 25 s + 12 s of schedule.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateCapacityRecord } from '../../plan/capacity-record.js';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { ROOT } from '../native/support.js';

const OUT = path.join(ROOT, 'test-output/loadtest/native');
const VUS = 16;
let stack: NativeStack;
let keysFile = '';

/** The small preset's mixed scenario, scaled to what a loaded 2-core CI machine runs in seconds. */
const SCENARIO = { vus: VUS, duration: '25s', think_time: '500ms', upload_share: 0.1, graceful_stop: '30s', job_deadline: '30s' };

/** Mints one key per VU with `prodctl keys create`, a few CLI processes at a time. */
async function mintKeys(n: number): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i += 4) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(4, n - i) }, async (_, j) => {
        const r = await stack.cli(['keys', 'create', '--user', `lt-native-vu-${i + j + 1}`, '--json'], 60_000);
        if (r.exitCode !== 0) throw new Error(`prodctl keys create exited ${r.exitCode}: ${r.stderr}`);
        return (JSON.parse(String(r.stdout)) as { key: string }).key;
      }),
    );
    keys.push(...batch);
  }
  return keys;
}

/** k6's summary export: values flat under each metric, plus `thresholds` (true = failed). */
interface SummaryExport {
  metrics: Record<string, Record<string, number> & { thresholds?: Record<string, boolean> }>;
}

/** Requests per endpoint from the ENDPOINTS table of the text summary. */
function endpointRequests(stdout: string): Record<string, number> {
  return Object.fromEntries([...stdout.matchAll(/^(upload|job|status|download)\s+(\d+)\s/gm)].map((m) => [m[1], Number(m[2])]));
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  stack = await startNativeStack('prodctl-loadtest-native-', { loadtest: { scenarios: { mixed: SCENARIO } } });
  keysFile = path.join(stack.dir, 'keys.json');
  writeFileSync(keysFile, JSON.stringify(await mintKeys(VUS)));
}, 240_000);

afterAll(async () => {
  await stack?.down();
}, 120_000);

describe('prodctl loadtest against the native stack', () => {
  it('the mixed scenario through the edge passes the success metrics; summary, JUnit and HTML are written', async () => {
    const files = { summary: path.join(OUT, 'summary.json'), junit: path.join(OUT, 'junit.xml'), html: path.join(OUT, 'report.html') };
    const r = await stack.cli(['loadtest', 'run', '--engine', 'builtin', '--keys-file', keysFile, '--summary-export', files.summary, '--junit', files.junit, '--html', files.html], 180_000);
    writeFileSync(path.join(OUT, 'run.txt'), `${r.stdout}\n${r.stderr}`);
    console.log(String(r.stdout));
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);

    const s = JSON.parse(readFileSync(files.summary, 'utf8')) as SummaryExport;
    const m = (name: string) => s.metrics[name] ?? {};
    // The run went through the edge for every endpoint of the flow, and jobs really ran.
    const perEndpoint = endpointRequests(String(r.stdout));
    expect(Object.keys(perEndpoint).sort()).toEqual(['job', 'status', 'upload']);
    expect(perEndpoint.upload).toBeGreaterThanOrEqual(VUS);
    expect(m('http_req_duration{endpoint:status}')['p(95)']).toBeLessThan(1000);
    expect(m('http_req_duration{endpoint:upload}')['p(95)']).toBeLessThan(5000);
    expect(m('http_req_failed').rate).toBeLessThan(0.02);
    expect(m('job_completion').rate).toBeGreaterThan(0.95);
    expect(m('job_completion').passes).toBeGreaterThanOrEqual(VUS); // every VU's first iteration is an upload
    expect(m('http_reqs').count).toBeGreaterThan(VUS * 10);
    // k6's convention: a threshold's boolean is true when it FAILED.
    const verdicts = Object.values(s.metrics).flatMap((x) => Object.values(x.thresholds ?? {}));
    expect(verdicts).toEqual([false, false, false, false]);

    const junit = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(files.junit, 'utf8')) as { testsuites: { testsuite: { '@_tests': string; '@_failures': string } } };
    expect([junit.testsuites.testsuite['@_tests'], junit.testsuites.testsuite['@_failures']]).toEqual(['4', '0']);
    const html = readFileSync(files.html, 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<script|<link|\s(src|href)=/); // self-contained: nothing to fetch

    // The run against the running stack is a capacity measurement too, and `plan --users` reads it.
    const capDir = path.join(stack.stateDir, 'capacity');
    const [recFile] = readdirSync(capDir).filter((f) => f.endsWith('-loadtest.json'));
    expect(String(r.stderr)).toContain(`capacity record written to ${path.join(capDir, recFile)}`);
    const rec = JSON.parse(readFileSync(path.join(capDir, recFile), 'utf8'));
    expect(validateCapacityRecord(rec)).toEqual([]);
    expect(Object.keys(rec.api).sort()).toEqual(['job', 'status', 'upload']);
    expect(rec.api.status.samples).toBe(m('http_reqs').count);
    expect(rec.worker).toMatchObject([{ op: 'info', pages: 3, samples: m('job_completion').passes }]);
    expect(rec.postgres.opsPerCoreSecond).toBeGreaterThan(0);
    expect(rec.redis.opsPerCoreSecond).toBeGreaterThan(0);
    const sized = await stack.cli(['plan', '--users', '100', '--json']);
    expect(sized.exitCode, String(sized.stderr)).toBe(0);
    expect(JSON.parse(String(sized.stdout)).record).toMatchObject({ file: path.join(capDir, recFile), seed: false, source: 'loadtest' });
  }, 240_000);

  it('the same stack made too weak (one worker, a slow op, 1 s job deadline) exits 99 and names the failing thresholds', async () => {
    const sup = await stack.supervisor();
    const workers = (await sup.status()).filter((p) => p.service === 'worker' && p.state !== 'stopped');
    expect(workers.length).toBeGreaterThanOrEqual(1);
    for (const w of workers.slice(1)) await sup.stop(w.id);
    const sets = ['job_op=watermark', 'sample_pages=2000', 'upload_share=0.5', 'job_deadline=1s', 'duration=12s', 'graceful_stop=20s'].flatMap((kv) => ['--set', `loadtest.scenarios.mixed.${kv}`]);
    const summary = path.join(OUT, 'weak-summary.json');
    const r = await stack.cli([...sets, 'loadtest', 'run', '--engine', 'builtin', '--keys-file', keysFile, '--summary-export', summary], 180_000);
    writeFileSync(path.join(OUT, 'weak-run.txt'), `${r.stdout}\n${r.stderr}`);
    console.log(String(r.stdout));
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(99);
    expect(String(r.stderr)).toMatch(/error: thresholds failed: .*job_completion rate>0\.95/);
    const s = JSON.parse(readFileSync(summary, 'utf8')) as SummaryExport;
    expect(s.metrics.job_completion.thresholds).toEqual({ 'rate>0.95': true });
    expect(s.metrics.job_completion.rate).toBeLessThan(0.95);
  }, 240_000);
});
