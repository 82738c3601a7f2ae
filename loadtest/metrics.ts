// k6's metric model over the engine's aggregate: trends, rates, counters, gauges, and submetrics
// selected by tags (`http_req_duration{endpoint:upload}`). Thresholds read values from here.
import type { Aggregate, SeriesTotals } from './engine/aggregate.js';
import { trendValues } from './engine/histogram.js';
import { SUMMARY_TREND_STATS } from './plan.js';
import { parseMetricKey, type MetricKey } from './thresholds.js';

export interface MetricSummary {
  type: 'trend' | 'rate' | 'counter' | 'gauge';
  contains: 'time' | 'data' | 'default';
  values: Record<string, number>;
}

export type MetricsMap = Record<string, MetricSummary>;

const HTTP_SERIES_METRICS = new Set(['http_req_duration', 'http_req_failed', 'http_reqs']);

export function seriesTags(s: SeriesTotals, scenario: string): Record<string, string> {
  return {
    endpoint: s.endpoint,
    method: s.method,
    status: String(s.status),
    expected_response: String(s.status >= 200 && s.status < 400),
    scenario,
  };
}

function matches(s: SeriesTotals, scenario: string, tags: Record<string, string>): boolean {
  const own = seriesTags(s, scenario);
  return Object.entries(tags).every(([k, v]) => own[k] === v);
}

function httpMetric(agg: Aggregate, key: MetricKey, scenario: string, seconds: number, stats: readonly string[]): MetricSummary | undefined {
  const m = agg.merged((s) => matches(s, scenario, key.tags));
  try {
    if (key.name === 'http_req_duration') return { type: 'trend', contains: 'time', values: trendValues(m.hist, stats) };
    if (key.name === 'http_req_failed') {
      return { type: 'rate', contains: 'default', values: m.count ? { rate: m.failed / m.count, passes: m.failed, fails: m.count - m.failed } : {} };
    }
    return { type: 'counter', contains: 'default', values: { count: m.count, rate: seconds > 0 ? m.count / seconds : 0 } };
  } finally {
    m.hist.destroy();
  }
}

/** Values of the metrics that carry no per-request tags (only `scenario`). */
function plainMetric(agg: Aggregate, name: string, seconds: number, stats: readonly string[]): MetricSummary | undefined {
  const t = agg.totals;
  const counter = (count: number, contains: MetricSummary['contains'] = 'default'): MetricSummary => ({
    type: 'counter',
    contains,
    values: { count, rate: seconds > 0 ? count / seconds : 0 },
  });
  switch (name) {
    case 'iteration_duration':
      return { type: 'trend', contains: 'time', values: trendValues(agg.iterationHist, stats) };
    case 'job_completion_time':
      return { type: 'trend', contains: 'time', values: trendValues(agg.jobTimeHist, stats) };
    case 'job_completion': {
      const n = t.jobsCompleted + t.jobsNotCompleted;
      return { type: 'rate', contains: 'default', values: n ? { rate: t.jobsCompleted / n, passes: t.jobsCompleted, fails: t.jobsNotCompleted } : {} };
    }
    case 'iterations':
      return counter(t.iterations);
    case 'dropped_iterations':
      return counter(t.droppedIterations);
    case 'interrupted_iterations':
      return counter(t.interruptedIterations);
    case 'data_received':
      return counter(t.bytesIn, 'data');
    case 'data_sent':
      return counter(t.bytesOut, 'data');
    case 'vus':
      return { type: 'gauge', contains: 'default', values: { value: agg.activeVus(), max: t.vusMax } };
    case 'vus_max':
      return { type: 'gauge', contains: 'default', values: { value: t.vusMax } };
    default:
      return undefined;
  }
}

export function metricFor(agg: Aggregate, key: MetricKey, scenario: string, seconds: number, stats: readonly string[] = SUMMARY_TREND_STATS): MetricSummary | undefined {
  if (HTTP_SERIES_METRICS.has(key.name)) return httpMetric(agg, key, scenario, seconds, stats);
  const extra = Object.entries(key.tags).filter(([k, v]) => !(k === 'scenario' && v === scenario));
  if (extra.length > 0) return undefined; // no samples carry that tag
  return plainMetric(agg, key.name, seconds, stats);
}

export const BASE_METRICS = [
  'http_reqs',
  'http_req_duration',
  'http_req_failed',
  'iterations',
  'iteration_duration',
  'dropped_iterations',
  'interrupted_iterations',
  'job_completion',
  'job_completion_time',
  'data_received',
  'data_sent',
  'vus',
  'vus_max',
];

/**
 * Every metric of the run, k6-named: the base ones, one submetric per endpoint (the summary's
 * per-endpoint table and --baseline use them) and every metric key a threshold names.
 */
export function collectMetrics(agg: Aggregate, scenario: string, seconds: number, thresholdKeys: string[]): MetricsMap {
  const out: MetricsMap = {};
  const endpoints = [...new Set([...agg.series.values()].map((s) => s.endpoint))].sort();
  const keys = [...BASE_METRICS, ...endpoints.flatMap((e) => [`http_req_duration{endpoint:${e}}`, `http_req_failed{endpoint:${e}}`]), ...thresholdKeys];
  for (const k of keys) {
    if (out[k]) continue;
    const m = metricFor(agg, parseMetricKey(k), scenario, seconds);
    if (m) out[k] = m;
  }
  return out;
}
