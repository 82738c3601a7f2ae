// `--baseline`: % change of the headline numbers against an earlier `--summary-export` file
// (ours or k6's: both have the same metrics shape).
import type { SummaryExport } from './summary-export.js';

export interface BaselineRow {
  metric: string;
  stat: string;
  before: number;
  after: number;
  /** (after − before) / before × 100; undefined when before is 0. */
  changePct: number | undefined;
}

const STATS: Record<string, string[]> = { trend: ['med', 'p(95)', 'p(99)'], rate: ['rate'], counter: ['count', 'rate'] };

function kindOf(values: Record<string, unknown>): keyof typeof STATS | undefined {
  if ('p(95)' in values || 'med' in values) return 'trend';
  if ('passes' in values || ('rate' in values && !('count' in values))) return 'rate';
  if ('count' in values) return 'counter';
  return undefined;
}

export function compareToBaseline(before: Pick<SummaryExport, 'metrics'>, after: Pick<SummaryExport, 'metrics'>): BaselineRow[] {
  const rows: BaselineRow[] = [];
  for (const [metric, a] of Object.entries(after.metrics)) {
    const b = before.metrics[metric];
    const kind = kindOf(a);
    if (!b || !kind) continue;
    for (const stat of STATS[kind]) {
      const x = b[stat];
      const y = a[stat];
      if (typeof x !== 'number' || typeof y !== 'number') continue;
      rows.push({ metric, stat, before: x, after: y, changePct: x === 0 ? undefined : ((y - x) / x) * 100 });
    }
  }
  return rows;
}

export function parseSummaryExport(text: string, file: string): Pick<SummaryExport, 'metrics'> {
  const data = JSON.parse(text) as { metrics?: unknown };
  if (!data || typeof data.metrics !== 'object' || data.metrics === null) throw new Error(`${file} is not a k6 summary export (no "metrics" object)`);
  return data as Pick<SummaryExport, 'metrics'>;
}
