// Reporters parse with real parsers (see report-parsers.ts): JUnit with fast-xml-parser, SARIF
// validated against the official SARIF 2.1.0 schema.
import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../checks/report/junit.js';
import { renderReadiness } from '../../checks/report/readiness.js';
import { renderSarif } from '../../checks/report/sarif.js';
import { formatReport } from '../../checks/report/table.js';
import { runChecks } from '../../checks/run-checks.js';
import { applyScenario, loadScenario, FIXTURES } from './fixture-stack.js';
import { parseJunit, sarifValidator } from './report-parsers.js';

// A run with passes, failures (incl. XML-hostile evidence), a waiver and skipped live checks.
async function mixedRun() {
  const s = loadScenario(`${FIXTURES}/static/SEC-009.fail.yaml`);
  const { plan, files } = applyScenario(s);
  plan.profile.checks = { waive: [{ id: 'SEC-009', reason: 'legacy <env> & "quotes" until migration', expires: '2999-12-31' }, { id: 'REL-006', reason: 'old waiver', expires: '2020-01-01' }] };
  files.find((f) => f.path === 'redis/redis.conf')!.content += '\nmaxmemory-policy allkeys-lru\n';
  return runChecks({ plan, files, failOn: 'high', probes: null, liveUnavailable: 'no running stack (test)' });
}

describe('reporters', async () => {
  const run = await mixedRun();

  it('the run has the statuses the report formats must carry', () => {
    expect(run.results.find((r) => r.id === 'SEC-009')!.status).toBe('waived');
    expect(run.results.find((r) => r.id === 'REL-006')!.status).toBe('fail');
    expect(run.results.find((r) => r.id === 'REL-101')!.status).toBe('skip');
  });

  it('JUnit XML is well-formed and counts match', () => {
    const xml = renderJunit(run);
    const { doc, cases } = parseJunit(xml);
    expect(cases.length).toBe(run.results.length);
    expect(Number(doc.testsuites.failures)).toBe(run.summary.fail);
    const rel6 = cases.find((c: any) => c.name.startsWith('REL-006 '));
    expect(rel6.failure.message).toMatch(/waiver expired on 2020-01-01/);
    expect(cases.find((c: any) => c.name.startsWith('SEC-009 ')).skipped.message).toContain('legacy <env> & "quotes"');
  });

  it('SARIF validates against the SARIF 2.1.0 schema', () => {
    const sarif = renderSarif(run, { version: '0.1.0', profileUri: 'prodctl.yaml', renderedBase: '/tmp/rendered' });
    const validate = sarifValidator();
    const ok = validate(JSON.parse(JSON.stringify(sarif)));
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
    const results = (sarif.runs as any)[0].results as any[];
    expect(results.find((r) => r.ruleId === 'REL-006').locations[0].physicalLocation.artifactLocation.uri).toBe('redis/redis.conf');
    expect(results.find((r) => r.ruleId === 'SEC-009').suppressions[0].status).toBe('accepted');
  });

  it('the schema rejects a broken SARIF log (the validator can fail)', () => {
    const validate = sarifValidator();
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', informationUri: 'not a uri' } } }] })).toBe(false);
  });

  it('readiness.md maps results to every checklist section with a score and lists every waiver', () => {
    const md = renderReadiness(run);
    for (const h of ['## Infrastructure', '## Service configuration', '## Testing', '## Monitoring', '## Backups', '## Security', '## Waivers', '## Sign-off']) expect(md).toContain(h);
    expect(md).toMatch(/Score: \*\*\d+\/100\*\*/);
    expect(md).toContain('| SEC-009 | legacy <env> & "quotes" until migration | 2999-12-31 | in force |');
    expect(md).toContain('| REL-006 | old waiver | 2020-01-01 | ❌ expired (fails) |');
    expect(md).toContain('redis/redis.conf: maxmemory-policy = allkeys-lru');
  });

  it('the table groups by category and shows remediation for failures', () => {
    const text = formatReport(run, false);
    expect(text.indexOf('SECURITY')).toBeLessThan(text.indexOf('RELIABILITY'));
    expect(text).toContain('→ Set `redis.maxmemory_policy: noeviction`.');
    expect(text).toMatch(/FAILED: \d+ check\(s\) failed at or above high/);
  });
});
