// `npm run quickstart` (scripts/quickstart.sh) on this checkout: the small preset up on the native
// target, a key, the sample PDF watermarked through the API, the result checked by qpdf. The
// script's `npm ci` + build step is skipped here (QUICKSTART_SKIP_BUILD=1): the checkout is built
// by `npm test` before the tests run, and reinstalling node_modules under running tests is unsafe.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { makeStackDir, processesOfStack, prodctl, ROOT } from './support.js';

describe('quick start', () => {
  const dir = path.join(makeStackDir('prodctl-qs-'), 'quickstart');
  const profile = path.join(dir, 'prodctl.yaml');
  const stateDir = path.join(dir, '.prodctl');

  afterAll(async () => {
    await prodctl(profile, stateDir, ['down']);
    for (const pid of processesOfStack(stateDir)) process.kill(pid, 'SIGKILL');
  });

  it('brings the stack up, completes the watermark job, and the result passes qpdf --check', async () => {
    const t0 = Date.now();
    const r = await execa('bash', [path.join(ROOT, 'scripts/quickstart.sh')], { reject: false, env: { ...process.env, QUICKSTART_DIR: dir, QUICKSTART_SKIP_BUILD: '1', NO_COLOR: '1' }, timeout: 300_000 });
    const out = String(r.stdout);
    expect(r.exitCode, `${out}\n${r.stderr}`).toBe(0);
    console.log(`quickstart: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const result = path.join(dir, 'sample-watermarked.pdf');
    expect(out).toContain(`result        ${result}`);
    expect(existsSync(result)).toBe(true);
    const check = await execa('qpdf', ['--check', result], { reject: false });
    expect(check.exitCode, String(check.stdout)).toBe(0);
    expect(String(check.stdout)).toContain('No syntax or stream encoding errors found');
    const pdfinfo = await execa('pdfinfo', [result]);
    expect(String(pdfinfo.stdout)).toMatch(/^Pages:\s+5$/m);
    for (const label of ['API', 'Prometheus', 'Alertmanager']) expect(out).toMatch(new RegExp(`^${label}\\s+http://127\\.0\\.0\\.1:\\d+`, 'm'));
    // The URLs answer.
    const prom = /^Prometheus\s+(\S+)/m.exec(out)![1];
    const am = /^Alertmanager\s+(\S+)/m.exec(out)![1];
    expect((await fetch(`${prom}/-/ready`)).status).toBe(200);
    expect((await fetch(`${am}/-/ready`)).status).toBe(200);
  });

  it('run again, it finds the stack up and changes nothing', async () => {
    const r = await execa('bash', [path.join(ROOT, 'scripts/quickstart.sh')], { reject: false, env: { ...process.env, QUICKSTART_DIR: dir, QUICKSTART_SKIP_BUILD: '1', NO_COLOR: '1' }, timeout: 300_000 });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout)).toMatch(/^nothing changed: 12 processes already running unchanged$/m);
  });
});
