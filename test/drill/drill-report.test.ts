// The drill's verdict and reports from known numbers: exact invariants, Markdown and JUnit.
import { describe, expect, it } from 'vitest';
import { judgeDrill, renderDrillJunit, renderDrillMarkdown, type DrillNumbers } from '../../cli/drill/drill-report.js';
import { SCENARIOS } from '../../cli/drill/scenarios.js';

const base: DrillNumbers = {
  project: 'pdfsvc', environment: 'staging', startedAt: '2026-12-07T23:00:00.000Z', durationMs: 30_000,
  timeline: [{ atMs: 5_000, what: 'fault: stopped postgres' }],
  requests: 100, failedRequests: 20, accepted: 6, completed: 6, failed: 0, lost: 0, completedTwice: 0, recoveryMs: 4_000,
  alerts: [{ alert: 'SloBudgetBurnFast', firedAtMs: 7_000, resolvedAtMs: 25_000 }],
};

describe('drill report', () => {
  it('passes when every invariant holds, naming the measured numbers', () => {
    const r = judgeDrill(SCENARIOS['postgres-restart'], base);
    expect(r.passed).toBe(true);
    expect(r.invariants.map((i) => [i.name, i.ok, i.detail])).toEqual([
      ['accepted jobs lost = 0', true, '6 accepted, 6 completed, 0 failed, 0 unfinished'],
      ['jobs completed twice = 0', true, '0 jobs with more than one output'],
      ['error ratio ≤ 50.00 %', true, '20 of 100 requests failed (20.00 %)'],
      ['recovery ≤ RTO 60 s', true, 'first good answer 4.0 s after the recovery action'],
      ['SloBudgetBurnFast fired and resolved in Alertmanager', true, 'fired at +7.0 s, resolved at +25.0 s'],
    ]);
  });

  it('fails on a lost job, a job completed twice, an alert that never fired, no recovery', () => {
    const r = judgeDrill(SCENARIOS['postgres-restart'], { ...base, lost: 1, completedTwice: 2, recoveryMs: null, alerts: [{ alert: 'SloBudgetBurnFast', firedAtMs: null, resolvedAtMs: null }] });
    expect(r.passed).toBe(false);
    expect(r.invariants.filter((i) => !i.ok).map((i) => i.name)).toEqual(['accepted jobs lost = 0', 'jobs completed twice = 0', 'recovery ≤ RTO 60 s', 'SloBudgetBurnFast fired and resolved in Alertmanager']);
    expect(renderDrillMarkdown(r)).toContain('| SloBudgetBurnFast fired and resolved in Alertmanager | FAIL | fired never, resolved never |');
    const junit = renderDrillJunit(r);
    expect(junit).toContain('<testsuite name="postgres-restart" tests="5" failures="4" time="30.000">');
    expect(junit).toContain('<failure message="6 accepted, 6 completed, 0 failed, 1 unfinished"/>');
  });

  it('worker-crash allows 2 % failed requests', () => {
    expect(judgeDrill(SCENARIOS['worker-crash'], { ...base, alerts: [], failedRequests: 3 }).invariants.find((i) => i.name.startsWith('error ratio'))).toMatchObject({ ok: false, detail: '3 of 100 requests failed (3.00 %)' });
  });

  it('bad-deploy passes only when the deploy was refused and the release before it still runs', () => {
    const spec = SCENARIOS['bad-deploy'];
    const ok = { ...base, alerts: [], failedRequests: 0, deploy: { outcome: 'refused', reason: 'api-3 (drill-bad-release) did not pass /readyz within 5 s; rollout stopped\nlog', releaseBefore: '0.1.0+aa', releaseAfter: '0.1.0+aa' } };
    expect(judgeDrill(spec, ok).invariants.find((i) => i.name.startsWith('bad release'))).toEqual({
      name: 'bad release refused, old release keeps serving',
      ok: true,
      detail: 'deploy refused; release 0.1.0+aa before, 0.1.0+aa after — api-3 (drill-bad-release) did not pass /readyz within 5 s; rollout stopped',
    });
    expect(judgeDrill(spec, { ...ok, deploy: { ...ok.deploy, outcome: 'applied', releaseAfter: 'drill-bad-release' } }).passed).toBe(false);
    expect(judgeDrill(spec, { ...ok, deploy: { ...ok.deploy, outcome: 'rolled-back', releaseAfter: '0.1.0+aa' } }).passed).toBe(true);
    expect(judgeDrill(spec, { ...ok, deploy: undefined }).invariants.filter((i) => !i.ok).map((i) => i.detail)).toEqual(['the bad release was never deployed']);
    expect(judgeDrill(spec, { ...ok, failedRequests: 3 }).passed).toBe(false);
  });
});
