// The edge checks on an HAProxy edge (native, and an option everywhere): the baseline haproxy.cfg is
// accepted by the real `haproxy -c` and passes every edge check; each fixture breaks one thing.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../checks/run-checks.js';
import { makeTempDir } from '../support/services.js';
import { applyScenario, baselineFiles, baselinePlan, FIXTURES, loadScenario } from './fixture-stack.js';

const EDGE_CHECKS = ['SEC-020', 'SEC-021', 'SEC-022', 'SEC-023', 'SEC-024', 'REL-020', 'PERF-005'];
const SCENARIOS = path.join(FIXTURES, 'haproxy-static');
const tmp = makeTempDir('prodctl-check-haproxy-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('edge checks on HAProxy', () => {
  it('the baseline haproxy.cfg is valid for haproxy -c (with a real certificate in place)', () => {
    const key = path.join(tmp, 'k.pem');
    const crt = path.join(tmp, 'c.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '30', '-subj', '/CN=pdf.example.com'], { stdio: 'ignore' });
    writeFileSync(path.join(tmp, 'pdf.pem'), readFileSync(crt, 'utf8') + readFileSync(key, 'utf8'));
    const cfg = path.join(tmp, 'haproxy.cfg');
    writeFileSync(cfg, readFileSync(path.join(FIXTURES, 'haproxy', 'haproxy.cfg'), 'utf8').replace('/etc/prodctl/tls/pdf.example.com.pem', path.join(tmp, 'pdf.pem')));
    expect(execFileSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8' })).toMatch(/Configuration file is valid/);
  });

  it('every edge check passes on the baseline', async () => {
    const run = await runChecks({ plan: baselinePlan(), files: baselineFiles('haproxy'), failOn: 'high', probes: null, staticOnly: true, only: EDGE_CHECKS });
    expect(run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.evidence.join('; ')}`)).toEqual([]);
  });

  it('every edge check has one HAProxy scenario fixture', () => {
    expect(readdirSync(SCENARIOS).map((f) => f.replace('.fail.yaml', '')).sort()).toEqual([...EDGE_CHECKS].sort());
  });

  for (const f of readdirSync(SCENARIOS)) {
    const s = loadScenario(path.join(SCENARIOS, f));
    it(`${s.check} fails when ${s.breaks}`, async () => {
      const { plan, files } = applyScenario(s, 'haproxy');
      const run = await runChecks({ plan, files, failOn: 'high', probes: null, staticOnly: true });
      const target = run.results.find((r) => r.id === s.check)!;
      expect(target.status, target.evidence.join('\n')).toBe('fail');
      expect(run.results.filter((r) => r.status !== 'pass').map((r) => r.id).sort()).toEqual([s.check, ...(s.also ?? [])].sort());
    });
  }

  it('without a domain, HSTS and the redirect warn instead of failing', async () => {
    const plan = baselinePlan((p) => (p.project.domains = []));
    const run = await runChecks({ plan, files: baselineFiles('haproxy'), failOn: 'high', probes: null, staticOnly: true, only: ['SEC-020', 'SEC-021', 'SEC-022'] });
    expect(run.results.map((r) => [r.id, r.status])).toEqual([['SEC-020', 'warn'], ['SEC-021', 'warn'], ['SEC-022', 'warn']]);
  });
});
