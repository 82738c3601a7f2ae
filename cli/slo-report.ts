// `prodctl slo`: each objective's target, actual, budget remaining and time to exhaustion over a
// window, from Prometheus. The counts are exact (counter now minus counter at the window's start,
// the whole counter for series born inside the window), so the SLI is right to the request as long
// as no process restarted inside the window. Queries and arithmetic are pure; one adapter fetches.
import type { SloProfile } from '../profile/slo-schema.js';
import { parseDuration } from '../profile/units.js';
import { listSlos, type SloName, type SloSpec } from '../templates/monitoring/slo-model.js';

export interface SloRow {
  slo: SloName;
  description: string;
  /** Objective, ratio of good events (0.995). */
  target: number;
  window: string;
  total: number;
  bad: number;
  /** Share of good events over the window; null without traffic. */
  actual: number | null;
  /** Share of the window's error budget left: 1 untouched, 0 spent, below 0 the objective is missed. */
  budgetRemaining: number | null;
  /** Error ratio over `burnWindow` divided by the budget ratio; null without traffic. */
  burnRate: number | null;
  burnWindow: string;
  /** Seconds until the budget is spent at the current burn; 0 when spent, null when it does not burn. */
  exhaustionSeconds: number | null;
}

export interface SloQueries {
  slo: SloSpec;
  counted: string;
  total: string;
  burn: string;
}

/** Exact number of events a counter selector counted over the window. */
export function exactIncrease(selector: string, window: string): string {
  return `sum((${selector} - ${selector} offset ${window}) or ${selector})`;
}

export function buildSloQueries(slo: SloProfile, window: string, burnWindow: string): SloQueries[] {
  return listSlos(slo).map((s) => {
    const e = s.events(burnWindow);
    const exact = s.sampled ? s.sampled(window) : { bad: exactIncrease(s.counters.counted, window), total: exactIncrease(s.counters.total, window) };
    return { slo: s, counted: exact.bad, total: exact.total, burn: `${e.bad} / ${e.total}` };
  });
}

/** The current burn is read over the fastest page's long window (1h by default). */
export function burnWindowOf(slo: SloProfile): string {
  return slo.burn_alerts.page_fast.long_window;
}

export function computeSloRow(q: SloQueries, window: string, burnWindow: string, v: { counted: number | null; total: number | null; burn: number | null }): SloRow {
  const total = Math.round(v.total ?? 0);
  const counted = Math.round(v.counted ?? 0);
  const bad = q.slo.counters.counts === 'bad' ? counted : Math.max(0, total - counted);
  const budget = 1 - q.slo.target;
  const actual = total > 0 ? 1 - bad / total : null;
  const budgetRemaining = actual === null ? null : 1 - (1 - actual) / budget;
  const burnRate = v.burn === null || Number.isNaN(v.burn) ? null : v.burn / budget;
  return {
    slo: q.slo.name,
    description: q.slo.description,
    target: q.slo.target,
    window,
    total,
    bad,
    actual,
    budgetRemaining,
    burnRate,
    burnWindow,
    exhaustionSeconds: exhaustion(budgetRemaining, burnRate, parseDuration(window) / 1000),
  };
}

/** At burn rate b the whole budget of a window T lasts T/b; what is left of it lasts remaining × T/b. */
function exhaustion(remaining: number | null, burn: number | null, windowSeconds: number): number | null {
  if (remaining === null) return null;
  if (remaining <= 0) return 0;
  if (burn === null || burn <= 0) return null;
  return (remaining * windowSeconds) / burn;
}

export function formatSloTable(rows: SloRow[]): string[] {
  const head = ['slo', 'target', 'actual', 'budget left', `burn`, 'exhausted in', 'bad / total'];
  const body = rows.map((r) => [r.slo, pct(r.target), r.actual === null ? 'no traffic' : pct(r.actual), r.budgetRemaining === null ? '—' : pct(r.budgetRemaining), r.burnRate === null ? '—' : `${r.burnRate.toFixed(2)}× (${r.burnWindow})`, formatExhaustion(r), `${r.bad} / ${r.total}`]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(head), ...body.map(line)];
}

export function formatSloMarkdown(rows: SloRow[], window: string, source: string): string[] {
  return [
    `## Service level objectives (${window})`,
    '',
    `From ${source}. Budget left is the share of the window's error budget not yet spent; "exhausted in" assumes the current burn rate.`,
    '',
    '| SLO | target | actual | budget left | burn rate | exhausted in | bad / total |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.slo} | ${pct(r.target)} | ${r.actual === null ? 'no traffic' : pct(r.actual)} | ${r.budgetRemaining === null ? '—' : pct(r.budgetRemaining)} | ${r.burnRate === null ? '—' : `${r.burnRate.toFixed(2)}× (${r.burnWindow})`} | ${formatExhaustion(r)} | ${r.bad} / ${r.total} |`),
    '',
  ];
}

export function formatExhaustion(r: SloRow): string {
  if (r.exhaustionSeconds === null) return r.actual === null ? '—' : 'not burning';
  if (r.exhaustionSeconds === 0) return 'spent';
  const s = r.exhaustionSeconds;
  if (s >= 2 * 86_400) return `${(s / 86_400).toFixed(1)} d`;
  if (s >= 2 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s / 60)} min`;
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(3)} %`;
}
