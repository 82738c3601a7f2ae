// One engine-neutral result of a run: k6-named metrics, threshold verdicts, per-endpoint stats,
// errors by status, jobs, timeline and latency distribution. Every report renders from this.
import type { Aggregate, TimelinePoint } from './engine/aggregate.js';
import type { EngineRun } from './engine/run-engine.js';
import type { Histogram } from './engine/histogram.js';
import { collectMetrics, type MetricsMap } from './metrics.js';
import type { LoadPlan } from './plan.js';
import { evaluateThresholds, type ThresholdResult } from './thresholds.js';

export interface EndpointStats {
  endpoint: string;
  requests: number;
  failed: number;
  rps: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface HistogramBin {
  /** Upper edge in ms. */
  le: number;
  count: number;
}

export interface RunResult {
  engine: 'builtin' | 'k6';
  target: string;
  scenario: string;
  startedAt: string;
  durationMs: number;
  threads?: number;
  /** CPU seconds used by the load generator (built-in engine only). */
  cpuSeconds?: number;
  stoppedBy?: string;
  plan: LoadPlan;
  metrics: MetricsMap;
  thresholds: ThresholdResult[];
  endpoints: EndpointStats[];
  errorsByStatus: Record<string, number>;
  jobs: { completed: number; notCompleted: number; rate: number | undefined; p50?: number; p95?: number; max?: number };
  timeline: TimelinePoint[];
  latencyBins: HistogramBin[];
}

export function thresholdsPassed(r: Pick<RunResult, 'thresholds'>): boolean {
  return r.thresholds.every((t) => t.ok);
}

/** How many recorded values are ≤ ms: binary search on the percentile whose value crosses ms. */
function countAtOrBelow(h: Histogram, ms: number): number {
  const v = ms * 1000;
  if (h.getValueAtPercentile(0) > v) return 0;
  if (h.maxValue <= v) return h.totalCount;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= v) lo = mid;
    else hi = mid;
  }
  return Math.round((lo / 100) * h.totalCount);
}

/** Log-spaced bins (1-2-5 per decade, in ms) from the HDR histogram's distribution. */
export function latencyBins(h: Histogram): HistogramBin[] {
  if (h.totalCount === 0) return [];
  const maxMs = h.maxValue / 1000;
  const bins: HistogramBin[] = [];
  let prev = 0;
  for (let d = 0.01; d <= 1e7; d *= 10) {
    for (const e of [d, d * 2, d * 5]) {
      const cum = countAtOrBelow(h, e);
      bins.push({ le: Number(e.toPrecision(3)), count: cum - prev });
      prev = cum;
      if (e >= maxMs) return bins.slice(bins.findIndex((b) => b.count > 0));
    }
  }
  return bins.slice(bins.findIndex((b) => b.count > 0));
}

function endpointStats(agg: Aggregate, seconds: number): EndpointStats[] {
  const names = [...new Set([...agg.series.values()].map((s) => s.endpoint))].sort();
  return names.map((endpoint) => {
    const m = agg.merged((s) => s.endpoint === endpoint);
    const v = (p: number) => m.hist.getValueAtPercentile(p) / 1000;
    const out = { endpoint, requests: m.count, failed: m.failed, rps: m.count / seconds, p50: v(50), p90: v(90), p95: v(95), p99: v(99), max: m.hist.maxValue / 1000 };
    m.hist.destroy();
    return out;
  });
}

export function buildRunResult(run: EngineRun, plan: LoadPlan, target: string): RunResult {
  const agg = run.aggregate;
  const seconds = run.durationMs / 1000;
  const metrics = collectMetrics(agg, plan.scenarioName, seconds, Object.keys(plan.options.thresholds));
  const thresholds = evaluateThresholds(plan.options.thresholds, (key) => metrics[key.source]?.values);
  const errorsByStatus: Record<string, number> = {};
  for (const s of agg.series.values()) if (s.failed > 0) errorsByStatus[s.status === 0 ? 'network' : String(s.status)] = (errorsByStatus[s.status === 0 ? 'network' : String(s.status)] ?? 0) + s.failed;
  const all = agg.merged(() => true);
  const bins = latencyBins(all.hist);
  all.hist.destroy();
  const jt = metrics.job_completion_time?.values ?? {};
  const t = agg.totals;
  const jobsTotal = t.jobsCompleted + t.jobsNotCompleted;
  return {
    engine: 'builtin',
    target,
    scenario: plan.scenarioName,
    startedAt: new Date(run.startedAt).toISOString(),
    durationMs: run.durationMs,
    threads: run.threads,
    cpuSeconds: run.cpuSeconds,
    stoppedBy: run.stoppedBy,
    plan,
    metrics,
    thresholds,
    endpoints: endpointStats(agg, seconds),
    errorsByStatus,
    jobs: { completed: t.jobsCompleted, notCompleted: t.jobsNotCompleted, rate: jobsTotal ? t.jobsCompleted / jobsTotal : undefined, p50: jt.med, p95: jt['p(95)'], max: jt.max },
    timeline: agg.timeline(),
    latencyBins: bins,
  };
}
