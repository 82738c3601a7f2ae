// Every static check passes on the baseline stack and fails on its own scenario fixture, which
// breaks exactly one thing: no other check changes (except the ones the fixture lists under `also`).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { STATIC_CHECKS } from '../../checks/registry.js';
import { runChecks } from '../../checks/run-checks.js';
import { applyScenario, baselineFiles, baselinePlan, FIXTURES, loadScenario } from './fixture-stack.js';

const SCENARIOS = path.join(FIXTURES, 'static');

describe('static checks on the baseline stack', async () => {
  const run = await runChecks({ plan: baselinePlan(), files: baselineFiles(), failOn: 'high', probes: null, staticOnly: true });
  it('has at least 30 static checks with unique ids', () => {
    expect(STATIC_CHECKS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(STATIC_CHECKS.map((c) => c.id)).size).toBe(STATIC_CHECKS.length);
  });
  for (const c of STATIC_CHECKS) {
    it(`${c.id} passes: ${c.title}`, () => {
      const r = run.results.find((x) => x.id === c.id)!;
      expect(r.status, r.evidence.join('\n')).toBe('pass');
      expect(r.evidence.length).toBeGreaterThan(0);
    });
  }
});

describe('static checks fail on their scenario', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.fail.yaml'));
  it('every static check has exactly one failing scenario fixture', () => {
    expect(files.map((f) => f.replace('.fail.yaml', '')).sort()).toEqual(STATIC_CHECKS.map((c) => c.id).sort());
  });
  for (const f of files) {
    const s = loadScenario(path.join(SCENARIOS, f));
    it(`${s.check} fails when ${s.breaks}`, async () => {
      const { plan, files: rendered } = applyScenario(s);
      const run = await runChecks({ plan, files: rendered, failOn: 'high', probes: null, staticOnly: true });
      const target = run.results.find((r) => r.id === s.check)!;
      expect(target.status, target.evidence.join('\n')).toBe('fail');
      expect(target.evidence.join(' ').length).toBeGreaterThan(10);
      const failing = run.results.filter((r) => r.status !== 'pass').map((r) => r.id).sort();
      expect(failing).toEqual([s.check, ...(s.also ?? [])].sort());
    });
  }
});

describe('DATA-002 with PGDATA in a subfolder of the volume (the postgres image\'s own advice)', () => {
  it('passes when the volume holds the PGDATA folder; fails when that volume is tmpfs', async () => {
    const pgdata = { file: 'compose.yaml', set: 'services.postgres.environment.PGDATA', value: '/var/lib/postgresql/data/pgdata' };
    const ok = applyScenario({ check: 'DATA-002', breaks: 'nothing', edits: [pgdata] });
    const a = (await runChecks({ plan: ok.plan, files: ok.files, failOn: 'high', probes: null, staticOnly: true, only: ['DATA-002'] })).results[0];
    expect(a.status, a.evidence.join('; ')).toBe('pass');
    expect(a.evidence[0]).toMatch(/volume pgdata → \/var\/lib\/postgresql\/data\/pgdata \(inside \/var\/lib\/postgresql\/data\)$/);
    const tmpfs = { file: 'compose.yaml', set: 'services.postgres.volumes', value: [{ type: 'tmpfs', target: '/var/lib/postgresql/data' }] };
    const bad = applyScenario({ check: 'DATA-002', breaks: 'tmpfs', edits: [pgdata, tmpfs] });
    const b = (await runChecks({ plan: bad.plan, files: bad.files, failOn: 'high', probes: null, staticOnly: true, only: ['DATA-002'] })).results[0];
    expect(b.status).toBe('fail');
    expect(b.evidence[0]).toContain('/var/lib/postgresql/data/pgdata (inside /var/lib/postgresql/data) is tmpfs');
  });
});

describe('REL-012 and REL-013 judge the API, which queues the jobs, and the worker alike', () => {
  const only = async (edits: { file: string; set: string; value: unknown }[], id: string) => {
    const s = applyScenario({ check: id, breaks: 'api job options', edits });
    return (await runChecks({ plan: s.plan, files: s.files, failOn: 'high', probes: null, staticOnly: true, only: [id] })).results[0];
  };
  it('REL-012 fails when the API lacks the attempts, and when it disagrees with the worker', async () => {
    const missing = await only([{ file: 'compose.yaml', set: 'services.api.environment.JOB_ATTEMPTS', value: '' }], 'REL-012');
    expect(missing.status).toBe('fail');
    expect(missing.evidence).toEqual(['compose.yaml: services.api: JOB_ATTEMPTS = ']);
    const differs = await only([{ file: 'compose.yaml', set: 'services.api.environment.JOB_BACKOFF_MS', value: '1000' }], 'REL-012');
    expect(differs.status).toBe('fail');
    expect(differs.evidence).toEqual(['compose.yaml: api and worker disagree on JOB_BACKOFF_MS (1000 vs 2000); jobs are queued by the API with its value']);
  });
  it('REL-013 fails when only the worker carries the retention', async () => {
    const r = await only([{ file: 'compose.yaml', set: 'services.api.environment.REMOVE_ON_FAIL_AGE_S', value: '' }], 'REL-013');
    expect(r.status).toBe('fail');
    expect(r.evidence).toEqual(['compose.yaml: services.api: REMOVE_ON_FAIL_AGE_S = ']);
  });
});
