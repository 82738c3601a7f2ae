// Reports from a real run: k6 summary export, JUnit, baseline comparison, text summary, and the
// HTML report opened in headless Chromium with a screenshot in test-output/loadtest/.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareToBaseline, parseSummaryExport } from '../../loadtest/report/baseline.js';
import { renderHtmlReport } from '../../loadtest/report/html.js';
import { renderJunit } from '../../loadtest/report/junit.js';
import { buildSummaryExport } from '../../loadtest/report/summary-export.js';
import { renderSummaryText } from '../../loadtest/report/text.js';
import { createHistogram } from '../../loadtest/engine/histogram.js';
import { latencyBins, type RunResult } from '../../loadtest/result.js';
import { startTestApi, type TestApi } from './support/pdf-api-server.js';
import { configWith, runAgainst } from './support/run.js';

const run = promisify(execFile);
let api: TestApi;
let result: RunResult;

beforeAll(async () => {
  api = await startTestApi({ jobMs: 100 });
  result = await runAgainst(
    api.origin,
    configWith(
      { kind: 'mixed', executor: 'ramping-vus', stages: [{ duration: '2s', target: 30 }, { duration: '2s', target: 30 }], upload_share: 0.1, think_time: '50ms', graceful_stop: '5s' },
      { 'http_req_duration{endpoint:status}': ['p(95)<60000'], http_req_failed: ['rate<0.02'], 'http_req_duration{endpoint:upload}': ['p(95)<0.001'] },
    ),
  );
});
afterAll(() => api.close());

describe('reports', () => {
  it('exports the k6 summary shape, with k6 threshold booleans (true = failed)', () => {
    const exp = buildSummaryExport(result);
    const d = exp.metrics['http_req_duration{endpoint:status}'];
    expect(Object.keys(d).sort()).toEqual(['avg', 'max', 'med', 'min', 'p(90)', 'p(95)', 'p(99)', 'thresholds'].sort());
    expect(d.thresholds).toEqual({ 'p(95)<60000': false });
    expect(exp.metrics['http_req_duration{endpoint:upload}'].thresholds).toEqual({ 'p(95)<0.001': true });
    expect(exp.metrics.http_req_failed).toMatchObject({ rate: 0, passes: 0, fails: result.metrics.http_reqs.values.count, thresholds: { 'rate<0.02': false } });
    expect(exp.metrics.http_reqs.count).toBe(result.metrics.http_reqs.values.count);
    expect(exp.root_group).toMatchObject({ name: '', path: '' });
    expect(parseSummaryExport(JSON.stringify(exp), 'x.json').metrics).toEqual(exp.metrics);
    expect(() => parseSummaryExport('{}', 'x.json')).toThrow(/not a k6 summary export/);
  });

  it('writes JUnit with one test case per threshold and the failure named', () => {
    const xml = new XMLParser({ ignoreAttributes: false }).parse(renderJunit(result));
    const suite = xml.testsuites.testsuite;
    expect(suite['@_tests']).toBe('3');
    expect(suite['@_failures']).toBe('1');
    const failing = suite.testcase.filter((c: { failure?: unknown }) => c.failure);
    expect(failing.map((c: { '@_name': string }) => c['@_name'])).toEqual(['http_req_duration{endpoint:upload}: p(95)<0.001']);
  });

  it('compares with a baseline in % change', () => {
    const after = buildSummaryExport(result);
    const before = structuredClone(after);
    before.metrics.http_reqs.count = (after.metrics.http_reqs.count as number) * 2;
    before.metrics['http_req_duration{endpoint:status}']['p(95)'] = (after.metrics['http_req_duration{endpoint:status}']['p(95)'] as number) / 2;
    const rows = compareToBaseline(before, after);
    expect(rows.find((r) => r.metric === 'http_reqs' && r.stat === 'count')!.changePct).toBeCloseTo(-50, 9);
    expect(rows.find((r) => r.metric === 'http_req_duration{endpoint:status}' && r.stat === 'p(95)')!.changePct).toBeCloseTo(100, 9);
    expect(rows.find((r) => r.metric === 'http_req_failed')!.changePct).toBeUndefined(); // 0 before
    const text = renderSummaryText(result, false, rows);
    expect(text).toContain('VS BASELINE');
    expect(text).toMatch(/✗ +http_req_duration\{endpoint:upload\} +p\(95\)<0\.001/);
    expect(text).toMatch(/✓ +http_req_failed +rate<0\.02 +0\.00%/);
    expect(text).toMatch(/jobs: \d+\/\d+ completed \(100\.00%\)/);
  });

  it('renders one self-contained HTML file that Chromium shows with its plots', async () => {
    const html = renderHtmlReport(result);
    for (const id of ['latency-over-time', 'throughput-over-time', 'latency-histogram']) expect(html).toContain(`<svg id="${id}"`);
    expect((html.match(/<path d="M/g) ?? []).length).toBe(6);
    expect(html).toMatch(/<rect class="bar"/);
    expect(html).not.toMatch(/<script|<link|src="http|href="http|@import/);
    const outDir = path.resolve('test-output/loadtest');
    mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, 'report.html');
    writeFileSync(file, html);
    const shot = path.join(outDir, 'report.png');
    rmSync(shot, { force: true });
    const profile = mkdtempSync(path.join(os.tmpdir(), 'prodctl-chromium-'));
    try {
      await run(
        '/usr/bin/chromium',
        ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, `--screenshot=${shot}`, '--window-size=1280,1600', `file://${file}`],
        { timeout: 60_000 },
      );
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // A blank 1280×1600 page compresses to a few KB; charts, tables and text make it far bigger.
    expect(statSync(shot).size).toBeGreaterThan(40_000);
  });
});

describe('latency histogram bins', () => {
  it('counts every sample into 1-2-5 bins exactly', () => {
    const h = createHistogram();
    for (const [ms, n] of [[0.3, 5], [1.5, 10], [3, 20], [40, 7], [900, 1]] as const) h.recordValueWithCount(Math.round(ms * 1000), n);
    expect(latencyBins(h)).toEqual([
      { le: 0.5, count: 5 },
      { le: 1, count: 0 },
      { le: 2, count: 10 },
      { le: 5, count: 20 },
      { le: 10, count: 0 },
      { le: 20, count: 0 },
      { le: 50, count: 7 },
      { le: 100, count: 0 },
      { le: 200, count: 0 },
      { le: 500, count: 0 },
      { le: 1000, count: 1 },
    ]);
  });
});
