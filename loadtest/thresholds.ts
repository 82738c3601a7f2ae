// k6 thresholds, parsed and evaluated without I/O: `p(95)<5000` on `http_req_duration{endpoint:upload}`.
// Both engines share this module, so a threshold means the same thing whichever engine ran it.

export type ThresholdOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface ThresholdExpr {
  /** The source text, exactly as written in the profile (k6 keys its results by it). */
  source: string;
  /** avg | min | max | med | p(N) | rate | count | value */
  aggregation: string;
  /** N for p(N); undefined otherwise. */
  percentile?: number;
  op: ThresholdOp;
  value: number;
}

export interface MetricKey {
  /** The key as written, e.g. `http_req_duration{endpoint:upload}`. */
  source: string;
  name: string;
  /** Tag filters of a submetric; empty for the whole metric. */
  tags: Record<string, string>;
}

export interface ThresholdResult {
  metric: string;
  expr: string;
  ok: boolean;
  /** The observed value the expression was checked against (undefined: the metric had no samples). */
  observed: number | undefined;
  aggregation: string;
}

/** The aggregated values of one (sub)metric, by k6 aggregation name: avg, min, max, med, p(95), rate, count, value. */
export type MetricValues = Record<string, number>;

const EXPR = /^\s*(avg|min|max|med|p\((\d+(?:\.\d+)?)\)|rate|count|value)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$/;
const KEY = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{([^{}]*)\})?$/;

export function parseThresholdExpr(source: string): ThresholdExpr {
  const m = EXPR.exec(source);
  if (!m) throw new Error(`not a k6 threshold: ${JSON.stringify(source)} (expected e.g. p(95)<5000 or rate<0.02)`);
  const percentile = m[2] === undefined ? undefined : Number(m[2]);
  if (percentile !== undefined && (percentile < 0 || percentile > 100)) throw new Error(`percentile out of range in ${source}`);
  return { source, aggregation: m[1], percentile, op: m[3] as ThresholdOp, value: Number(m[4]) };
}

export function parseMetricKey(source: string): MetricKey {
  const m = KEY.exec(source.trim());
  if (!m) throw new Error(`not a metric name: ${JSON.stringify(source)} (expected e.g. http_req_duration{endpoint:upload})`);
  const tags: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',')) {
    if (part.trim() === '') continue;
    const i = part.indexOf(':');
    if (i <= 0) throw new Error(`bad tag filter ${JSON.stringify(part)} in ${source} (expected tag:value)`);
    tags[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return { source, name: m[1], tags };
}

export function compareThreshold(observed: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}

/**
 * Evaluate one expression against a metric's aggregated values. As in k6, a metric without
 * samples passes (there is nothing to fail on); the summary shows it as "no data".
 */
export function evaluateThreshold(metric: string, expr: ThresholdExpr, values: MetricValues | undefined): ThresholdResult {
  const observed = values?.[expr.aggregation];
  const ok = observed === undefined ? true : compareThreshold(observed, expr.op, expr.value);
  return { metric, expr: expr.source, ok, observed, aggregation: expr.aggregation };
}

/** Every threshold of a k6-style `thresholds` map, in a stable order. */
export function evaluateThresholds(
  thresholds: Record<string, string[]>,
  lookup: (key: MetricKey, aggregations: string[]) => MetricValues | undefined,
): ThresholdResult[] {
  const results: ThresholdResult[] = [];
  for (const [metric, exprs] of Object.entries(thresholds)) {
    const key = parseMetricKey(metric);
    const parsed = exprs.map(parseThresholdExpr);
    const values = lookup(key, parsed.map((p) => p.aggregation));
    for (const p of parsed) results.push(evaluateThreshold(metric, p, values));
  }
  return results;
}

/** k6 formats trend thresholds in ms and rates as percentages; we do the same in tables. */
export function formatObserved(r: ThresholdResult, isTime: boolean): string {
  if (r.observed === undefined) return 'no data';
  if (r.aggregation === 'rate') return `${(r.observed * 100).toFixed(2)}%`;
  if (r.aggregation === 'count') return String(r.observed);
  return isTime ? `${r.observed.toFixed(2)}ms` : r.observed.toFixed(2);
}
