// The rendered k6 script type-checks against @types/k6, uploads with http.file, and carries
// exactly the options and thresholds the built-in engine runs for the same profile.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLoadPlan, type LoadtestConfig } from '../../loadtest/plan.js';
import { extractK6Options, renderK6, renderK6Files, renderK6Script } from '../../loadtest/render-k6.js';
import type { StackPlan } from '../../plan/types.js';
import { loadPreset } from '../../profile/presets.js';
import { startTestApi } from './support/pdf-api-server.js';
import { configWith, runAgainst } from './support/run.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'prodctl-k6-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const smallLoadtest = () => (loadPreset('small') as unknown as { loadtest: LoadtestConfig }).loadtest;

async function typeCheck(dir: string, files: { path: string; content: string }[]): Promise<{ code: number; out: string }> {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    writeFileSync(path.join(dir, f.path), f.content);
  }
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, target: 'es2020', module: 'esnext', moduleResolution: 'bundler', lib: ['es2020'], types: ['k6'], typeRoots: [path.join(root, 'node_modules/@types')] },
      include: ['loadtest/*.ts'],
    }),
  );
  try {
    await run(path.join(root, 'node_modules/.bin/tsc'), ['-p', path.join(dir, 'tsconfig.json')], { timeout: 120_000 });
    return { code: 0, out: '' };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('k6 render', () => {
  it('renders one script per scenario plus a valid sample PDF', async () => {
    const files = renderK6({ profile: loadPreset('small') } as unknown as StackPlan);
    expect(files.map((f) => f.path)).toEqual(['loadtest/mixed.ts', 'loadtest/mixed.pdf']);
    const script = files[0].content;
    expect(script).toContain("http.file(pdf, 'sample.pdf', 'application/pdf')");
    expect(script).toContain("open('./mixed.pdf', 'b')");
    expect(script).toContain("tags: { endpoint: 'upload' }");
    expect(script).toContain("new Rate('job_completion')");
    const pdf = path.join(tmp, 'sample.pdf');
    writeFileSync(pdf, files[1].content);
    const { stdout } = await run('qpdf', ['--check', pdf]);
    expect(stdout).toContain('No syntax or stream encoding errors');
  });

  it('type-checks against @types/k6 (and the check does catch a wrong call)', async () => {
    const lt = smallLoadtest();
    const files = renderK6Files([buildLoadPlan(lt), buildLoadPlan(lt, { scenario: 'spike' }), buildLoadPlan({ ...lt, scenarios: { open: { kind: 'status', executor: 'ramping-arrival-rate', pre_allocated_vus: 10, max_vus: 20, stages: [{ duration: '10s', target: 50 }] } } })]);
    const ok = await typeCheck(path.join(tmp, 'good'), files);
    expect(ok.out).toBe('');
    expect(ok.code).toBe(0);
    const broken = files.map((f) => (f.path === 'loadtest/mixed.ts' ? { ...f, content: f.content.replace("http.file(pdf, 'sample.pdf', 'application/pdf')", 'http.file(pdf, 42)') } : f));
    const bad = await typeCheck(path.join(tmp, 'bad'), broken);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/loadtest\/mixed\.ts\(\d+,\d+\): error TS2345/);
  }, 180_000);

  it("carries exactly the options and thresholds the built-in engine ran", async () => {
    const api = await startTestApi();
    try {
      const config = configWith(
        { kind: 'mixed', executor: 'constant-vus', vus: 4, duration: '1s', think_time: '100ms', graceful_stop: '2s' },
        { 'http_req_duration{endpoint:status}': ['p(95)<1000'], http_req_failed: ['rate<0.02'], job_completion: ['rate>0.95'] },
      );
      const result = await runAgainst(api.origin, config, 1);
      const script = renderK6Script(buildLoadPlan(config));
      expect(extractK6Options(script)).toEqual(result.plan.options);
      expect(script).toContain(`const WORKLOAD = ${JSON.stringify(result.plan.workload)};`);
      // …and the engine evaluated exactly those thresholds.
      expect(result.thresholds.map((t) => [t.metric, t.expr])).toEqual(Object.entries(result.plan.options.thresholds).flatMap(([m, es]) => es.map((e) => [m, e])));
    } finally {
      await api.close();
    }
  });
});
