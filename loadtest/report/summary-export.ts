// `--summary-export`: k6's summary export shape (the legacy `k6 run --summary-export` file):
// metrics keyed by name (submetrics as `name{tag:value}`), trend stats flat, and per threshold a
// boolean that is TRUE WHEN IT FAILED — k6's long-standing convention, kept for compatibility.
import type { RunResult } from '../result.js';

export interface SummaryExport {
  root_group: { name: string; path: string; id: string; groups: Record<string, never>; checks: Record<string, never> };
  metrics: Record<string, Record<string, unknown>>;
  /** prodctl's own section (k6 ignores unknown keys; --baseline reads it). */
  prodctl: { engine: string; target: string; scenario: string; startedAt: string; durationMs: number; jobs: RunResult['jobs']; errorsByStatus: Record<string, number>; cpuSeconds?: number };
}

export function buildSummaryExport(r: RunResult): SummaryExport {
  const metrics: SummaryExport['metrics'] = {};
  for (const [name, m] of Object.entries(r.metrics)) {
    const entry: Record<string, unknown> = { ...m.values };
    const own = r.thresholds.filter((t) => t.metric === name);
    if (own.length > 0) entry.thresholds = Object.fromEntries(own.map((t) => [t.expr, !t.ok]));
    metrics[name] = entry;
  }
  return {
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: {}, checks: {} },
    metrics,
    prodctl: { engine: r.engine, target: r.target, scenario: r.scenario, startedAt: r.startedAt, durationMs: r.durationMs, jobs: r.jobs, errorsByStatus: r.errorsByStatus, cpuSeconds: r.cpuSeconds },
  };
}
