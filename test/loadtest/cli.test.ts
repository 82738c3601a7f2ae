// `prodctl loadtest` end to end in a child process: exit 0 / 99 / 2, the report files, render.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/pdf-api-server.js';
import { keysFor } from './support/run.js';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const fixtures = path.join(root, 'test/fixtures/loadtest');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'prodctl-lt-cli-'));
let api: TestApi;

async function prodctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = `import(${JSON.stringify(path.join(root, 'cli/main.ts'))}).then(async (m) => { process.exitCode = await m.run(process.argv); })`;
  try {
    const r = await exec(process.execPath, ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, '-e', code, 'prodctl', ...args], { cwd: tmp, env: { ...process.env, NO_COLOR: '1', PRODCTL_STATE_DIR: path.join(tmp, 'state') }, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  api = await startTestApi({ jobMs: 100 });
  writeFileSync(path.join(tmp, 'keys.txt'), `${keysFor(20).join('\n')}\n`);
});
afterAll(async () => {
  await api.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('prodctl loadtest', () => {
  it('run: passes the default thresholds (exit 0) and writes every report', async () => {
    const r = await prodctl(['-f', path.join(fixtures, 'quick-mixed.yaml'), 'loadtest', 'run', '--engine', 'builtin', '--target', api.origin, '--keys-file', 'keys.txt', '--summary-export', 'summary.json', '--junit', 'junit.xml', '--html', 'report.html']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ +http_req_duration\{endpoint:upload\} +p\(95\)<30000/);
    expect(r.stdout).toMatch(/✓ +job_completion +rate>0\.95/);
    expect(r.stdout).toContain('ENDPOINTS');
    const summary = JSON.parse(readFileSync(path.join(tmp, 'summary.json'), 'utf8'));
    expect(summary.metrics['http_req_duration{endpoint:status}'].thresholds).toEqual({ 'p(95)<30000': false });
    expect(readFileSync(path.join(tmp, 'junit.xml'), 'utf8')).toContain('failures="0"');
    expect(readFileSync(path.join(tmp, 'report.html'), 'utf8')).toContain('<svg id="latency-histogram"');
    expect(api.stats.byUser.size).toBe(20);
  });

  it('run: exits 99 and names the failing threshold; compares with the baseline', async () => {
    const r = await prodctl(['-f', path.join(fixtures, 'strict-status.yaml'), 'loadtest', 'run', '--engine', 'builtin', '--target', api.origin, '--keys-file', 'keys.txt', '--baseline', 'summary.json', '--json']);
    expect(r.code).toBe(99);
    expect(r.stderr).toContain('thresholds failed: http_req_duration{endpoint:status} p(95)<0.001');
    const out = JSON.parse(r.stdout);
    expect(out.result).toBe('thresholds failed');
    expect(typeof out.metrics.http_req_failed.passes).toBe('number');
    expect(out.baseline.some((b: { metric: string }) => b.metric === 'http_reqs')).toBe(true);
  });

  it('run: refuses a target that is neither loopback nor allowed (exit 2)', async () => {
    const r = await prodctl(['-f', path.join(fixtures, 'quick-mixed.yaml'), 'loadtest', 'run', '--engine', 'builtin', '--target', 'http://203.0.113.7:8080', '--keys-file', 'keys.txt']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to load-test http://203.0.113.7:8080: 203.0.113.7 is neither loopback nor listed in loadtest.allowed_hosts');
    const bad = await prodctl(['-f', path.join(fixtures, 'quick-mixed.yaml'), 'loadtest', 'run', '--vus', 'many', '--target', api.origin]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--vus must be a whole number');
  });

  it('render: writes the k6 scripts and the sample PDF', async () => {
    const r = await prodctl(['-f', path.join(fixtures, 'quick-mixed.yaml'), 'loadtest', 'render', '--out', 'k6', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files).toEqual(['loadtest/mixed.ts', 'loadtest/mixed.pdf']);
    expect(existsSync(path.join(tmp, 'k6/loadtest/mixed.ts'))).toBe(true);
  });
});
