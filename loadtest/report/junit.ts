// `--junit`: one testcase per threshold, so CI shows which success metric failed and by how much.
import type { RunResult } from '../result.js';
import { formatObserved } from '../thresholds.js';

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderJunit(r: RunResult): string {
  const failures = r.thresholds.filter((t) => !t.ok).length;
  const seconds = (r.durationMs / 1000).toFixed(3);
  const cases = r.thresholds.map((t) => {
    const observed = formatObserved(t, r.metrics[t.metric]?.contains === 'time');
    const name = escapeXml(`${t.metric}: ${t.expr}`);
    const body = t.ok ? '' : `\n      <failure message="${escapeXml(`${t.expr} failed: observed ${observed}`)}" type="threshold"/>`;
    return `    <testcase classname="loadtest.${escapeXml(r.scenario)}" name="${name}" time="0">${body}\n      <system-out>${escapeXml(`observed ${observed}`)}</system-out>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="prodctl loadtest" tests="${r.thresholds.length}" failures="${failures}" time="${seconds}">`,
    `  <testsuite name="thresholds (${escapeXml(r.scenario)})" tests="${r.thresholds.length}" failures="${failures}" errors="0" time="${seconds}" timestamp="${r.startedAt}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
