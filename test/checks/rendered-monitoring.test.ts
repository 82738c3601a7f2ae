// The monitoring files exactly as templates/monitoring renders them for the medium preset pass every
// monitoring check, and breaking one of them is caught.
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../checks/run-checks.js';
import { renderMonitoring } from '../../templates/monitoring/render-monitoring.js';
import { baselinePlan } from './fixture-stack.js';

const MONITORING = ['OPS-002', 'OPS-003', 'OPS-004', 'OPS-005', 'OPS-006', 'OPS-007', 'OPS-008', 'OPS-009'];

describe('monitoring files as rendered for the medium preset', () => {
  it('pass every monitoring check', async () => {
    const plan = baselinePlan();
    const files = renderMonitoring(plan);
    const run = await runChecks({ plan, files, failOn: 'high', probes: null, staticOnly: true, only: MONITORING });
    expect(run.results.filter((r) => r.status !== 'pass').map((r) => `${r.id}: ${r.evidence.join('; ')}`)).toEqual([]);
    expect(run.results.length).toBe(MONITORING.length);
  });

  it('a rendered rule file dropped is caught (OPS-004 without the Postgres rules)', async () => {
    const plan = baselinePlan();
    const files = renderMonitoring(plan).filter((f) => !/rules\/postgres\.ya?ml$/.test(f.path));
    const run = await runChecks({ plan, files, failOn: 'high', probes: null, staticOnly: true, only: MONITORING });
    expect(run.results.filter((r) => r.status === 'fail').map((r) => r.id)).toEqual(['OPS-004']);
  });
});
