// The SLOs of the profile as PromQL: for each objective the bad and total events over a window,
// the recording rules (error ratio per window, budget remaining) and the multi-window burn-rate
// alerts of the SRE Workbook. Shared by the rule renderer, the SLO dashboard and `prodctl slo`. Pure.
import { HTTP_DURATION_BUCKETS, METRICS } from '../../contract/index.js';
import { ConfigError } from '../../lib/errors.js';
import { parseDuration } from '../../profile/units.js';
import type { SloProfile } from '../../profile/slo-schema.js';
import { sliSelector } from './alert-rules.js';
import { formatSeconds } from './monitoring-settings.js';
import { PROBE_SUCCESS_SELECTOR } from './blackbox.js';

/** The objectives of the profile, plus availability as the black-box probes see it. */
export type SloName = keyof SloProfile['objectives'] | 'probe_availability';
export type BurnAlertName = keyof SloProfile['burn_alerts'];

export interface SloSpec {
  name: SloName;
  /** Objective as a ratio of good events, e.g. 0.995. */
  target: number;
  description: string;
  /** PromQL of the bad and the total events counted over `window`, with `fn` = rate or increase. */
  events(window: string, fn?: 'rate' | 'increase'): { bad: string; total: string };
  /** Counter selectors for exact counts over a window: `counted` holds the bad events, or the good ones (latency). */
  counters: { counted: string; counts: 'bad' | 'good'; total: string };
  /** Exact counts over a window when the events are samples of a 0/1 gauge (probes), not counters. */
  sampled?(window: string): { bad: string; total: string };
}

const H = METRICS.httpDuration.name;
const JOBS = METRICS.jobsTotal.name;
// Health probes are not user traffic (the same exclusion as the threshold alerts).
const NOT_PROBES = 'route!~"/livez|/readyz|/metrics"';
/** Windows the Workbook's alerts read, plus 1d for the dashboard: the defaults record exactly 5m, 30m, 1h, 6h, 1d, 3d. */
const EXTRA_WINDOWS = ['1d'];

export const SLO_RECORD = {
  errorRatio: (window: string) => `slo:sli_error:ratio_rate${window}`,
  budgetRemaining: 'slo:error_budget_remaining:ratio',
  objective: 'slo:objective:ratio',
} as const;

export function listSlos(slo: SloProfile): SloSpec[] {
  const o = slo.objectives;
  const out: SloSpec[] = [];
  if (o.availability.enabled) {
    const total = `${H}_count{${NOT_PROBES}}`;
    const bad = `${H}_count{status=~"5..",${NOT_PROBES}}`;
    out.push(spec('availability', o.availability.target, 'API answers that are not 5xx (health probes excluded)', bad, total));
  }
  for (const [name, what] of [['upload_latency', 'upload'], ['status_latency', 'status']] as const) {
    const obj = o[name];
    if (!obj.enabled) continue;
    const le = bucketLabel(obj.threshold, ['slo', 'objectives', name, 'threshold']);
    const total = `${H}_count{${sliSelector(what)}}`;
    const good = `${H}_bucket{${sliSelector(what)},le="${le}"}`;
    out.push({
      name,
      target: obj.target / 100,
      description: `${what === 'upload' ? 'uploads' : 'status checks'} answered within ${obj.threshold}`,
      events: (w, fn = 'rate') => ({ bad: `(sum(${fn}(${total}[${w}])) - sum(${fn}(${good}[${w}])))`, total: `sum(${fn}(${total}[${w}]))` }),
      counters: { counted: good, counts: 'good', total },
    });
  }
  if (o.availability.enabled && slo.probes.enabled) out.push(probeSpec(o.availability.target));
  if (o.job_success.enabled) {
    out.push(spec('job_success', o.job_success.target, 'finished jobs that completed', `${JOBS}{outcome="failed"}`, `${JOBS}{outcome=~"completed|failed"}`));
  }
  return out;
}

function spec(name: SloName, target: number, description: string, bad: string, total: string): SloSpec {
  return {
    name,
    target: target / 100,
    description,
    // No bad series yet (no 5xx since the start) means zero bad events, not no data.
    events: (w, fn = 'rate') => ({ bad: `(sum(${fn}(${bad}[${w}])) or vector(0))`, total: `sum(${fn}(${total}[${w}]))` }),
    counters: { counted: bad, counts: 'bad', total },
  };
}

/** Availability seen from outside: each probe is one event, a failed probe a bad one (probe_success is 0 or 1). */
function probeSpec(target: number): SloSpec {
  const sel = PROBE_SUCCESS_SELECTOR;
  const counts = (w: string) => ({ bad: `(sum(count_over_time(${sel}[${w}])) - sum(sum_over_time(${sel}[${w}])))`, total: `sum(count_over_time(${sel}[${w}]))` });
  return {
    name: 'probe_availability',
    target: target / 100,
    description: 'black-box probes of the edge that succeeded',
    events: (w) => counts(w),
    counters: { counted: sel, counts: 'bad', total: sel },
    sampled: counts,
  };
}

/** The `le` label of the histogram bucket whose bound is the threshold; a threshold between buckets cannot be counted. */
export function bucketLabel(threshold: string, path: string[]): string {
  const seconds = parseDuration(threshold) / 1000;
  if (!(HTTP_DURATION_BUCKETS as readonly number[]).includes(seconds)) {
    throw new ConfigError(
      `${path.join('.')}: ${threshold} is not a bound of the API's latency histogram`,
      `use one of ${HTTP_DURATION_BUCKETS.map((b) => formatDurationSeconds(b)).join(', ')}`,
    );
  }
  return String(seconds);
}

function formatDurationSeconds(s: number): string {
  return Number.isInteger(s) ? formatSeconds(s) : `${Math.round(s * 1000)}ms`;
}

/** Every window a recording rule is kept for: the alerts' long and short windows plus 1d, shortest first. */
export function listRecordingWindows(slo: SloProfile): string[] {
  const ws = new Set<string>(EXTRA_WINDOWS);
  for (const a of Object.values(slo.burn_alerts)) {
    ws.add(a.long_window);
    ws.add(a.short_window);
  }
  return [...ws].sort((a, b) => parseDuration(a) - parseDuration(b));
}

export interface SloRecordingRule {
  record: string;
  expr: string;
  labels: { slo: SloName };
}

export function buildSloRecordingRules(slo: SloProfile): SloRecordingRule[] {
  const rules: SloRecordingRule[] = [];
  for (const s of listSlos(slo)) {
    for (const w of [...listRecordingWindows(slo), slo.window]) {
      const e = s.events(w);
      rules.push({ record: SLO_RECORD.errorRatio(w), expr: `${e.bad} / ${e.total}`, labels: { slo: s.name } });
    }
    rules.push({ record: SLO_RECORD.objective, expr: `vector(${s.target})`, labels: { slo: s.name } });
    // 1 = the whole budget left, 0 = spent, below 0 = the objective is missed over the SLO window.
    rules.push({
      record: SLO_RECORD.budgetRemaining,
      expr: `1 - ${SLO_RECORD.errorRatio(slo.window)}{slo="${s.name}"} / ${round(1 - s.target)}`,
      labels: { slo: s.name },
    });
  }
  return rules;
}

export interface SloAlertRule {
  alert: string;
  expr: string;
  severity: 'critical' | 'warning';
  labels: { slo: SloName; burn: BurnAlertName; page: 'page' | 'ticket' };
  summary: string;
  description: string;
}

export const BURN_ALERT_NAMES: Record<BurnAlertName, string> = {
  page_fast: 'SloBudgetBurnFast',
  page_slow: 'SloBudgetBurnSlow',
  ticket: 'SloBudgetBurnTicket',
};

export function buildSloAlertRules(slo: SloProfile): SloAlertRule[] {
  const out: SloAlertRule[] = [];
  for (const [burn, a] of Object.entries(slo.burn_alerts) as [BurnAlertName, SloProfile['burn_alerts'][BurnAlertName]][]) {
    if (!a.enabled) continue;
    for (const s of listSlos(slo)) {
      const limit = round(a.factor * (1 - s.target));
      const ratio = (w: string) => `${SLO_RECORD.errorRatio(w)}{slo="${s.name}"} > ${limit}`;
      out.push({
        alert: BURN_ALERT_NAMES[burn],
        expr: `${ratio(a.long_window)} and ${ratio(a.short_window)}`,
        severity: a.severity === 'page' ? 'critical' : 'warning',
        labels: { slo: s.name, burn, page: a.severity },
        summary: `SLO ${s.name} burns its error budget at ${a.factor}× (${a.long_window} and ${a.short_window})`,
        description:
          `The ${s.name} error ratio is {{ $value | humanizePercentage }} over ${a.long_window} and above ${limit} over ${a.short_window} too ` +
          `(objective: ${round(s.target * 100)} % of ${s.description}); at ${a.factor}× the ${slo.window} budget lasts ${budgetDuration(slo.window, a.factor)}.`,
      });
    }
  }
  return out;
}

function budgetDuration(window: string, factor: number): string {
  const hours = parseDuration(window) / 3_600_000 / factor;
  return hours >= 48 ? `${+(hours / 24).toFixed(1)} days` : `${+hours.toFixed(1)} hours`;
}

export function round(x: number): number {
  return +x.toPrecision(12);
}
