// The end summary on stdout: threshold table with ✓/✗ and observed values, per-endpoint latency,
// throughput, errors by status, jobs; and the one-line live view while a run is going.
import { formatTable, paint } from '../../lib/output.js';
import type { Progress } from '../engine/run-engine.js';
import type { RunResult } from '../result.js';
import { formatObserved } from '../thresholds.js';
import type { BaselineRow } from './baseline.js';

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}

export function formatLiveLine(p: Progress): string {
  const s = (p.elapsedMs / 1000).toFixed(0).padStart(4);
  return `running ${s}s  vus ${String(p.vus).padStart(5)}  rps ${p.rps.toFixed(0).padStart(6)}  p95 ${formatMs(p.p95Ms).padStart(8)}  errors ${(p.errorRate * 100).toFixed(2)}%  reqs ${p.requests}`;
}

export function renderSummaryText(r: RunResult, color = false, baseline?: BaselineRow[]): string {
  const ok = (b: boolean) => (b ? paint('✓', 'green', color) : paint('✗', 'red', color));
  const lines: string[] = [];
  lines.push(`scenario ${r.scenario} · engine ${r.engine} · target ${r.target} · ${(r.durationMs / 1000).toFixed(1)}s${r.stoppedBy ? ` · stopped by ${r.stoppedBy}` : ''}`);
  lines.push('');
  lines.push('THRESHOLDS');
  lines.push(
    formatTable(
      ['', 'metric', 'threshold', 'observed'],
      r.thresholds.map((t) => [ok(t.ok), t.metric, t.expr, formatObserved(t, r.metrics[t.metric]?.contains === 'time')]),
    ),
  );
  lines.push('');
  lines.push('ENDPOINTS');
  lines.push(
    formatTable(
      ['endpoint', 'requests', 'rps', 'failed', 'p50', 'p90', 'p95', 'p99', 'max'],
      r.endpoints.map((e) => [e.endpoint, String(e.requests), e.rps.toFixed(1), String(e.failed), formatMs(e.p50), formatMs(e.p90), formatMs(e.p95), formatMs(e.p99), formatMs(e.max)]),
    ),
  );
  lines.push('');
  const reqs = r.metrics.http_reqs?.values ?? {};
  const failed = r.metrics.http_req_failed?.values ?? {};
  lines.push(`requests ${reqs.count ?? 0} (${(reqs.rate ?? 0).toFixed(1)}/s) · failed ${((failed.rate ?? 0) * 100).toFixed(2)}%`);
  const errs = Object.entries(r.errorsByStatus).map(([s, n]) => `${s}: ${n}`);
  lines.push(`errors by status: ${errs.length ? errs.join(', ') : 'none'}`);
  const it = r.metrics.iterations?.values.count ?? 0;
  lines.push(`iterations ${it} · dropped ${r.metrics.dropped_iterations?.values.count ?? 0} · interrupted ${r.metrics.interrupted_iterations?.values.count ?? 0} · vus max ${r.metrics.vus_max?.values.value ?? 0}`);
  if (r.cpuSeconds !== undefined) lines.push(`load generator: ${r.threads} threads, ${r.cpuSeconds.toFixed(1)} CPU-s (${((r.cpuSeconds / (r.durationMs / 1000)) * 100).toFixed(0)}% of one core)`);
  const j = r.jobs;
  lines.push(
    j.rate === undefined
      ? 'jobs: none created'
      : `jobs: ${j.completed}/${j.completed + j.notCompleted} completed (${(j.rate * 100).toFixed(2)}%) · completion time p50 ${formatMs(j.p50)} p95 ${formatMs(j.p95)} max ${formatMs(j.max)}`,
  );
  if (baseline && baseline.length > 0) {
    lines.push('');
    lines.push('VS BASELINE');
    lines.push(
      formatTable(
        ['metric', 'stat', 'before', 'after', 'change'],
        baseline.map((b) => [b.metric, b.stat, b.before.toFixed(2), b.after.toFixed(2), b.changePct === undefined ? 'n/a' : `${b.changePct >= 0 ? '+' : ''}${b.changePct.toFixed(1)}%`]),
      ),
    );
  }
  return lines.join('\n');
}
