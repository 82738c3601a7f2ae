// Terminal report: one table per category, status coloured, remediation under each non-pass row.
import { formatTable, paint, type Color } from '../../lib/output.js';
import { CATEGORIES, type CheckRun, type Status } from '../types.js';

const COLORS: Record<Status, Color> = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray', waived: 'magenta' };

export function formatReport(run: CheckRun, color: boolean, verbose = false): string {
  const out: string[] = [];
  for (const cat of CATEGORIES) {
    const rows = run.results.filter((r) => r.category === cat);
    if (!rows.length) continue;
    out.push(paint(cat.toUpperCase(), 'bold', color));
    const table: string[][] = [];
    for (const r of rows) {
      table.push([paint(r.status.toUpperCase(), COLORS[r.status], color), r.id, r.severity, r.scope, r.title]);
      const detail = r.status === 'pass' || r.status === 'skip' ? (verbose ? r.evidence : []) : r.evidence;
      for (const e of detail) table.push(['', '', '', '', paint(`· ${e}`, 'gray', color)]);
      if (r.status === 'fail' || r.status === 'warn') table.push(['', '', '', '', `→ ${r.remediation}`]);
      if (r.waiver) table.push(['', '', '', '', paint(`waiver: ${r.waiver.reason} (expires ${r.waiver.expires}${r.waiver.expired ? ', EXPIRED' : ''})`, 'magenta', color)]);
    }
    out.push(formatTable(['STATUS', 'ID', 'SEVERITY', 'SCOPE', 'CHECK'], table), '');
  }
  for (const w of run.waivers.filter((x) => !x.matched)) out.push(paint(`waiver for ${w.id} matches no check that ran (${w.reason})`, 'yellow', color));
  if (run.liveUnavailable) out.push(paint(`live checks skipped: ${run.liveUnavailable}`, 'yellow', color));
  const s = run.summary;
  const verdict = s.gateFailures > 0 ? paint(`FAILED: ${s.gateFailures} check(s) failed at or above ${run.failOn}`, 'red', color) : paint(`OK: nothing failed at or above ${run.failOn}`, 'green', color);
  out.push(`${s.pass} pass · ${s.warn} warn · ${s.fail} fail · ${s.waived} waived · ${s.skip} skipped · score ${s.score}/100 · ${run.durationMs} ms`, verdict);
  return out.join('\n');
}
