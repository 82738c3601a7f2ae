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

/** Log-spaced bins (1-2-5 per decade) from the HDR histogram's exact cumulative counts. */
export function latencyBins(h: Histogram): HistogramBin[] {
  if (h.totalCount === 0) return [];
  const edges: number[] = [];
  for (let d = 0.01; d <= 1e6; d *= 10) edges.push(d, d * 2, d * 5);
  const maxMs = h.maxValue / 1000;
  const csv = h.outputPercentileDistribution(5, 1000, true as unknown as false);
  const points = csv
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter((c) => c.length >= 3 && c[0] !== '' && !Number.isNaN(Number(c[0])))
    .map((c) => ({ value: Number(c[0]), cum: Number(c[2]) }));
  const cumAt = (ms: number) => {
    let cum = 0;
    for (const p of points) if (p.value <= ms) cum = p.cum;
    return cum;
  };
  const bins: HistogramBin[] = [];
  let prev = 0;
  for (const e of edges) {
    const cum = e >= maxMs ? h.totalCount : cumAt(e);
    bins.push({ le: e, count: cum - prev });
    prev = cum;
    if (e >= maxMs) break;
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
