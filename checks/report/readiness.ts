// readiness.md: the sign-off report. Results mapped to the production checklist sections, each
// with its evidence, a score per section and overall, every waiver listed, and sign-off lines.
import { scoreOf } from '../run-checks.js';
import { SECTIONS, type CheckRun, type Section, type Status } from '../types.js';

const MARK: Record<Status, string> = { pass: '✅ pass', warn: '⚠️ warn', fail: '❌ fail', skip: '⏭ skip', waived: '🟣 waived' };

const SECTION_TITLES: Record<Section, string> = {
  infrastructure: 'Infrastructure',
  services: 'Service configuration',
  testing: 'Testing',
  monitoring: 'Monitoring',
  backups: 'Backups',
  security: 'Security',
};

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReadiness(run: CheckRun): string {
  const s = run.summary;
  const out: string[] = [
    `# Production readiness: ${run.project}`,
    '',
    `- Preset: ${run.preset} · target: ${run.target} · checked ${run.startedAt} in ${run.durationMs} ms`,
    `- Gate: fail on ${run.failOn} and above → **${s.gateFailures > 0 ? `NOT READY (${s.gateFailures} blocking failure(s))` : 'READY'}**`,
    `- Score: **${s.score}/100** (${s.pass} pass, ${s.warn} warn, ${s.fail} fail, ${s.waived} waived, ${s.skip} skipped)`,
  ];
  if (run.liveUnavailable) out.push(`- Live checks were not run: ${run.liveUnavailable}`);
  out.push('', '| Section | Score | Pass | Warn | Fail | Waived | Skipped |', '| --- | --- | --- | --- | --- | --- | --- |');
  for (const sec of SECTIONS) {
    const rs = run.results.filter((r) => r.section === sec);
    const n = (st: Status) => rs.filter((r) => r.status === st).length;
    out.push(`| ${SECTION_TITLES[sec]} | ${rs.length ? `${scoreOf(rs)}/100` : 'n/a'} | ${n('pass')} | ${n('warn')} | ${n('fail')} | ${n('waived')} | ${n('skip')} |`);
  }
  for (const sec of SECTIONS) {
    const rs = run.results.filter((r) => r.section === sec);
    out.push('', `## ${SECTION_TITLES[sec]}`, '');
    if (sec === 'testing' && !rs.length) {
      out.push('No automated check covers this section: attach the `prodctl loadtest run` report and the CI run of `npm test`.');
      continue;
    }
    if (!rs.length) {
      out.push('No check in this run covers this section.');
      continue;
    }
    out.push('| Result | Id | Severity | Check | Evidence |', '| --- | --- | --- | --- | --- |');
    for (const r of rs) {
      const ev = [...r.evidence, ...(r.status === 'fail' || r.status === 'warn' ? [`**Fix:** ${r.remediation}`] : [])].map(cell).join('<br>');
      out.push(`| ${MARK[r.status]} | ${r.id} | ${r.severity} | ${cell(r.title)} | ${ev} |`);
    }
  }
  out.push('', '## Waivers', '');
  if (!run.waivers.length) out.push('None.');
  else {
    out.push('| Id | Reason | Expires | State |', '| --- | --- | --- | --- |');
    for (const w of run.waivers) out.push(`| ${w.id} | ${cell(w.reason)} | ${w.expires} | ${w.expired ? '❌ expired (fails)' : w.matched ? 'in force' : 'matches no check that ran'} |`);
  }
  out.push('', '## Sign-off', '', '| Role | Name | Date | Signature |', '| --- | --- | --- | --- |', '| Engineering |  |  |  |', '| Operations |  |  |  |', '| Security |  |  |  |', '');
  return out.join('\n');
}
