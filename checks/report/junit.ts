// JUnit XML: one testsuite per category, one testcase per check; fail → <failure>, skip/waived → <skipped>.
import type { CheckRun } from '../types.js';
import { CATEGORIES } from '../types.js';

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

export function renderJunit(run: CheckRun): string {
  const suites: string[] = [];
  for (const cat of CATEGORIES) {
    const rs = run.results.filter((r) => r.category === cat);
    if (!rs.length) continue;
    const cases = rs.map((r) => {
      const name = `${r.id} ${r.title}`;
      const time = (r.durationMs / 1000).toFixed(3);
      const text = escapeXml([...r.evidence, `remediation: ${r.remediation}`].join('\n'));
      let body = '';
      if (r.status === 'fail') body = `<failure type="${r.severity}" message="${escapeXml(r.evidence[0] ?? r.title)}">${text}</failure>`;
      else if (r.status === 'skip' || r.status === 'waived') body = `<skipped message="${escapeXml(r.status === 'waived' ? `waived: ${r.waiver?.reason}` : (r.evidence[0] ?? 'skipped'))}"/>`;
      else body = `<system-out>${escapeXml(`${r.status}: ${r.evidence.join('\n')}`)}</system-out>`;
      return `    <testcase classname="prodctl.${cat}" name="${escapeXml(name)}" time="${time}">${body}</testcase>`;
    });
    const fails = rs.filter((r) => r.status === 'fail').length;
    const skips = rs.filter((r) => r.status === 'skip' || r.status === 'waived').length;
    suites.push(`  <testsuite name="${cat}" tests="${rs.length}" failures="${fails}" errors="0" skipped="${skips}">\n${cases.join('\n')}\n  </testsuite>`);
  }
  const s = run.summary;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="prodctl check ${escapeXml(run.project)}" tests="${run.results.length}" failures="${s.fail}" errors="0" skipped="${s.skip + s.waived}" time="${(run.durationMs / 1000).toFixed(3)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
