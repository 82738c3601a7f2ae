// promtool unit tests for every alert rule rendered from the medium preset: each alert fires in
// one scenario and stays quiet in the others (test/fixtures/observability/alert-cases.ts).
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ALERT_CASES, WAL_ARCHIVE_OVERRIDES, type AlertCase, type AlertCheck } from '../fixtures/observability/alert-cases.js';
import { makeTempDir } from '../support/services.js';
import { PROMTOOL, planFor, renderInto } from './monitoring-fixtures.js';

interface RenderedRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

let dir = '';
let rules: RenderedRule[] = [];
/** alert name → the copy of the rule file that holds it */
const ruleFileOf = new Map<string, string>();

beforeAll(() => {
  dir = makeTempDir('prodctl-promtool-');
  renderInto(planFor('medium', WAL_ARCHIVE_OVERRIDES), path.join(dir, 'rendered'));
  const rulesDir = path.join(dir, 'rendered/prometheus/rules');
  mkdirSync(path.join(dir, 'under-test'));
  // The description carries {{ $value }}; promtool compares annotations exactly, so the copy
  // under test drops it (promtool check rules validates its template on the real file).
  for (const f of readdirSync(rulesDir)) {
    const doc = parse(readFileSync(path.join(rulesDir, f), 'utf8')) as { groups: { rules: RenderedRule[] }[] };
    for (const g of doc.groups) for (const r of g.rules) {
      rules.push(structuredClone(r));
      delete r.annotations.description;
      ruleFileOf.set(r.alert, path.join(dir, 'under-test', f));
    }
    writeFileSync(path.join(dir, 'under-test', f), stringify(doc));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function toPromtoolTest(rule: RenderedRule, check: AlertCheck, fires: boolean, interval: string) {
  return {
    interval,
    input_series: Object.entries(check.series).map(([series, values]) => ({ series, values })),
    alert_rule_test: [
      {
        eval_time: check.at,
        alertname: rule.alert,
        exp_alerts: fires
          ? [{ exp_labels: { ...rule.labels, ...check.labels }, exp_annotations: { summary: rule.annotations.summary, runbook_url: rule.annotations.runbook_url } }]
          : [],
      },
    ],
  };
}

async function runPromtool(name: string, c: AlertCase, rule: RenderedRule): Promise<{ code: number; out: string }> {
  const interval = c.interval ?? '15s';
  const doc = {
    rule_files: [ruleFileOf.get(rule.alert)],
    // Day-long scenarios evaluate at their sample interval; promtool walks every step.
    evaluation_interval: interval,
    tests: [toPromtoolTest(rule, c.fires, true, interval), ...c.quiet.map((q) => toPromtoolTest(rule, q, false, interval))],
  };
  const file = path.join(dir, `${name}.test.yml`);
  writeFileSync(file, stringify(doc));
  const r = await execa(PROMTOOL, ['test', 'rules', file], { reject: false, all: true });
  return { code: r.exitCode ?? -1, out: r.all ?? '' };
}

describe('alert rules (promtool test rules, medium preset)', () => {
  it('the real rule files pass promtool check rules (expressions and annotation templates)', async () => {
    const files = readdirSync(path.join(dir, 'rendered/prometheus/rules')).map((f) => path.join(dir, 'rendered/prometheus/rules', f));
    const r = await execa(PROMTOOL, ['check', 'rules', ...files], { reject: false, all: true });
    expect(r.all).toContain('SUCCESS');
    expect(r.exitCode).toBe(0);
  });

  it('every rendered alert has a firing and a quiet scenario, and every scenario names a real alert', () => {
    const rendered = rules.map((r) => r.alert).sort();
    const covered = [...new Set(ALERT_CASES.map((c) => c.alert))].sort();
    expect(covered).toEqual(rendered);
    for (const c of ALERT_CASES) expect(c.quiet.length).toBeGreaterThan(0);
  });

  it('every alert links its runbook section', () => {
    const runbook = readFileSync(path.resolve(import.meta.dirname, '../../docs/runbooks.md'), 'utf8');
    for (const r of rules) {
      expect(r.annotations.runbook_url).toBe(`docs/runbooks.md#${r.alert.toLowerCase()}`);
      expect(runbook).toContain(`## ${r.alert}\n`);
    }
  });

  ALERT_CASES.forEach((c, i) => {
    it(`${c.alert} #${i}: fires in its scenario and stays quiet in ${c.quiet.length} other(s)`, async () => {
      const rule = rules.find((r) => r.alert === c.alert);
      expect(rule, `no rendered rule ${c.alert}`).toBeDefined();
      const r = await runPromtool(`${c.alert}-${i}`, c, rule!);
      expect(r.out, r.out).toContain('SUCCESS');
      expect(r.code).toBe(0);
    });
  });

  it('a wrong expectation makes promtool fail (the harness can fail)', async () => {
    const c = ALERT_CASES.find((x) => x.alert === 'RedisDown')!;
    const rule = rules.find((r) => r.alert === 'RedisDown')!;
    // the quiet scenario presented as a firing one
    const r = await runPromtool('harness-negative', { ...c, fires: c.quiet[0], quiet: [] }, rule);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('FAILED');
  });
});
