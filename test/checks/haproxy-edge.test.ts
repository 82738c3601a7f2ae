// The edge checks on an HAProxy edge (native, and an option everywhere): the baseline haproxy.cfg is
// accepted by the real `haproxy -c` and passes every edge check; each fixture breaks one thing.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../checks/run-checks.js';
import type { StackPlan } from '../../plan/types.js';
import { makeTempDir } from '../support/services.js';
import { applyScenario, baselineFiles, baselinePlan, FIXTURES, loadScenario } from './fixture-stack.js';

const EDGE_CHECKS = ['SEC-020', 'SEC-021', 'SEC-022', 'SEC-025', 'SEC-023', 'SEC-024', 'REL-020', 'REL-021', 'PERF-005'];
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
    const min = await runChecks({ plan, files: baselineFiles('haproxy'), failOn: 'high', probes: null, staticOnly: true, only: ['SEC-025'] });
    expect(min.results[0].status).toBe('warn');
  });

  it('REL-020 accepts `check` once on default-server (servers added at run time inherit it)', async () => {
    const files = baselineFiles('haproxy').map((f) => (f.path === 'haproxy/haproxy.cfg' ? { ...f, content: f.content.replace(/ check\n/g, '\n').replace('  server api-1', '  default-server check inter 2s fall 2 rise 1\n  server api-1') } : f));
    const run = await runChecks({ plan: baselinePlan(), files, failOn: 'high', probes: null, staticOnly: true, only: ['REL-020'] });
    expect(run.results[0].status, run.results[0].evidence.join('; ')).toBe('pass');
    expect(run.results[0].evidence[0]).toContain('default-server check');
  });

  it('SEC-024: a metrics frontend on an unpublished container port is private on docker, public on native', async () => {
    const files = baselineFiles('haproxy').map((f) => (f.path === 'haproxy/haproxy.cfg' ? { ...f, content: f.content.replace('bind 127.0.0.1:8404', 'bind :8082') } : f));
    const edge = { name: 'edge', published: [{ port: 8080, hostPort: 80, hostIp: '0.0.0.0' }, { port: 8443, hostPort: 443, hostIp: '0.0.0.0' }] } as unknown as StackPlan['services'][number];
    const docker = { ...baselinePlan(), target: 'docker' as const, services: [edge] };
    const onDocker = await runChecks({ plan: docker, files, failOn: 'high', probes: null, staticOnly: true, only: ['SEC-024'] });
    expect(onDocker.results[0].status, onDocker.results[0].evidence.join('; ')).toBe('pass');
    const onNative = await runChecks({ plan: { ...docker, target: 'native' as const }, files, failOn: 'high', probes: null, staticOnly: true, only: ['SEC-024'] });
    expect(onNative.results[0].status).toBe('fail');
    expect(onNative.results[0].evidence[0]).toBe('haproxy/haproxy.cfg: frontend internal: http-request use-service prometheus-exporter if { path /metrics }');
  });
});
