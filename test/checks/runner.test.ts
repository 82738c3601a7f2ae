// Selection, waivers, the --fail-on gate and the score: pure logic with exact expectations.
import { describe, expect, it } from 'vitest';
import { applyWaiver, isAtLeast, isExpired, runChecks, scoreOf, selectChecks, unknownIds } from '../../checks/run-checks.js';
import { ALL_CHECKS } from '../../checks/registry.js';
import type { CheckResult } from '../../checks/types.js';
import { applyScenario, baselineFiles, baselinePlan, FIXTURES, loadScenario } from './fixture-stack.js';

const NOW = new Date('2026-11-28T12:00:00Z');

function result(status: CheckResult['status'], severity: CheckResult['severity'] = 'high'): CheckResult {
  return { id: 'X-1', title: 't', category: 'security', severity, scope: 'static', section: 'security', status, rawStatus: status === 'waived' ? 'fail' : status, evidence: ['e'], remediation: 'r', rationale: 'r', references: [], durationMs: 0 };
}

describe('selection', () => {
  it('--static-only, --live-only, --only and --ignore', () => {
    expect(selectChecks(ALL_CHECKS, { staticOnly: true }).every((c) => c.scope === 'static')).toBe(true);
    expect(selectChecks(ALL_CHECKS, { liveOnly: true }).every((c) => c.scope === 'live')).toBe(true);
    expect(selectChecks(ALL_CHECKS, { only: ['rel-006', 'SEC-001'] }).map((c) => c.id)).toEqual(['SEC-001', 'REL-006']);
    expect(selectChecks(ALL_CHECKS, { staticOnly: true, ignore: ['SEC-001'] }).some((c) => c.id === 'SEC-001')).toBe(false);
    expect(unknownIds(['SEC-001', 'NOPE-9'])).toEqual(['NOPE-9']);
  });
  it('every check has complete metadata and ≥1 reference', () => {
    for (const c of ALL_CHECKS) {
      expect(c.id).toMatch(/^(SEC|REL|PERF|OPS|DATA)-\d{3}$/);
      expect(c.rationale.length, c.id).toBeGreaterThan(20);
      expect(c.remediation.length, c.id).toBeGreaterThan(10);
      expect(c.references.length, c.id).toBeGreaterThan(0);
    }
  });
});

describe('waivers', () => {
  const w = { id: 'X-1', reason: 'accepted for now', expires: '2026-11-28' };
  it('is valid through its expiry day, expired the day after', () => {
    expect(isExpired(w, NOW)).toBe(false);
    expect(isExpired(w, new Date('2026-11-29T00:00:01Z'))).toBe(true);
  });
  it('turns a failure into waived, leaves a pass alone', () => {
    expect(applyWaiver(result('fail'), w, NOW).status).toBe('waived');
    expect(applyWaiver(result('pass'), w, NOW).status).toBe('pass');
  });
  it('an expired waiver fails even a passing check, and says so', () => {
    const r = applyWaiver(result('pass'), { ...w, expires: '2026-01-01' }, NOW);
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toBe('waiver expired on 2026-01-01 (accepted for now): renew or remove it');
  });
  it('runChecks reports every waiver, matched or not', async () => {
    const plan = baselinePlan((p) => {
      p.checks = { waive: [{ id: 'SEC-002', reason: 'expired one', expires: '2020-01-31' }, { id: 'REL-101', reason: 'live only', expires: '2999-01-01' }] };
    });
    const run = await runChecks({ plan, files: baselineFiles(), failOn: 'high', probes: null, staticOnly: true, now: NOW });
    expect(run.results.find((r) => r.id === 'SEC-002')!.status).toBe('fail');
    expect(run.waivers).toEqual([
      { id: 'SEC-002', reason: 'expired one', expires: '2020-01-31', expired: true, matched: true },
      { id: 'REL-101', reason: 'live only', expires: '2999-01-01', expired: false, matched: false },
    ]);
    expect(run.summary.gateFailures).toBe(0); // SEC-002 is medium: below the default gate
    const strict = await runChecks({ plan, files: baselineFiles(), failOn: 'medium', probes: null, staticOnly: true, now: NOW });
    expect(strict.summary.gateFailures).toBe(1);
  });
});

describe('gate and score', () => {
  it('severity order', () => {
    expect(isAtLeast('critical', 'high')).toBe(true);
    expect(isAtLeast('medium', 'high')).toBe(false);
    expect(isAtLeast('low', 'low')).toBe(true);
  });
  it('score weighs by severity; skips do not count', () => {
    expect(scoreOf([result('pass', 'critical'), result('fail', 'low')])).toBe(91);
    expect(scoreOf([result('pass'), result('skip')])).toBe(100);
    expect(scoreOf([result('waived'), result('warn')])).toBe(50);
  });
  it('a critical failure trips the default gate, a low one does not', async () => {
    const crit = applyScenario(loadScenario(`${FIXTURES}/static/REL-006.fail.yaml`));
    expect((await runChecks({ ...crit, failOn: 'high', probes: null, staticOnly: true })).summary.gateFailures).toBe(1);
    const med = applyScenario(loadScenario(`${FIXTURES}/static/SEC-002.fail.yaml`));
    expect((await runChecks({ ...med, failOn: 'high', probes: null, staticOnly: true })).summary.gateFailures).toBe(0);
    expect((await runChecks({ ...med, failOn: 'low', probes: null, staticOnly: true })).summary.gateFailures).toBe(1);
  });
});

describe('docs/checks.md', () => {
  it('lists every check and is up to date (regenerate: npx tsx scripts/gen-checks-doc.ts)', async () => {
    const { readFileSync } = await import('node:fs');
    const { renderChecksDoc } = await import('../../checks/render-checks-doc.js');
    const doc = readFileSync(new URL('../../docs/checks.md', import.meta.url), 'utf8');
    expect(doc).toBe(renderChecksDoc());
    for (const c of ALL_CHECKS) expect(doc).toContain(`| ${c.id} |`);
  });
});

describe('an empty stack proves nothing', () => {
  it('service checks fail when there are no services at all', async () => {
    const run = await runChecks({ plan: baselinePlan(), files: [], failOn: 'high', probes: null, staticOnly: true, only: ['SEC-001', 'REL-001', 'REL-006'] });
    expect(run.results.map((r) => [r.id, r.status, r.evidence[0]])).toEqual([
      ['SEC-001', 'fail', 'plan: no services to check'],
      ['REL-001', 'fail', 'plan: no services to check'],
      ['REL-006', 'fail', 'redis.conf (not rendered): maxmemory-policy = unset'],
    ]);
  });
});
