// `--html`: one self-contained file (inline CSS and SVG, no scripts, no CDN) with latency and
// throughput over time, the latency histogram, the thresholds and the per-endpoint table.
import type { RunResult } from '../result.js';
import { formatObserved } from '../thresholds.js';
import { barChart, lineChart } from './svg-charts.js';
import { formatMs } from './text.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function table(headers: string[], rows: string[][]): string {
  return `<table><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

export function renderHtmlReport(r: RunResult): string {
  const passed = r.thresholds.every((t) => t.ok);
  const tl = r.timeline;
  const latency = lineChart(
    'latency-over-time',
    'Latency over time (ms)',
    [
      { name: 'p50', color: '#59a14f', points: tl.map((p) => ({ x: p.t, y: p.p50 })) },
      { name: 'p95', color: '#f28e2b', points: tl.map((p) => ({ x: p.t, y: p.p95 })) },
      { name: 'p99', color: '#e15759', points: tl.map((p) => ({ x: p.t, y: p.p99 })) },
    ],
    (v) => formatMs(v),
  );
  const throughput = lineChart(
    'throughput-over-time',
    'Throughput over time (requests/s)',
    [
      { name: 'requests/s', color: '#4e79a7', points: tl.map((p) => ({ x: p.t, y: p.requests })) },
      { name: 'failed/s', color: '#e15759', points: tl.map((p) => ({ x: p.t, y: p.failed })) },
      { name: 'active VUs', color: '#9c755f', points: tl.map((p) => ({ x: p.t, y: p.vus })) },
    ],
    (v) => v.toFixed(0),
  );
  const histogram = barChart(
    'latency-histogram',
    'Latency histogram (requests per bucket)',
    r.latencyBins.map((b) => ({ label: formatMs(b.le), value: b.count })),
    (v) => v.toFixed(0),
    'latency ≤',
  );
  const thresholds = table(
    ['', 'metric', 'threshold', 'observed'],
    r.thresholds.map((t) => [t.ok ? '<span class="ok">✓</span>' : '<span class="fail">✗</span>', esc(t.metric), esc(t.expr), esc(formatObserved(t, r.metrics[t.metric]?.contains === 'time'))]),
  );
  const endpoints = table(
    ['endpoint', 'requests', 'rps', 'failed', 'p50', 'p90', 'p95', 'p99', 'max'],
    r.endpoints.map((e) => [esc(e.endpoint), String(e.requests), e.rps.toFixed(1), String(e.failed), formatMs(e.p50), formatMs(e.p90), formatMs(e.p95), formatMs(e.p99), formatMs(e.max)]),
  );
  const errs = Object.entries(r.errorsByStatus).map(([s, n]) => `${esc(s)}: ${n}`).join(', ') || 'none';
  const j = r.jobs;
  const jobs = j.rate === undefined ? 'none created' : `${j.completed}/${j.completed + j.notCompleted} completed (${(j.rate * 100).toFixed(2)}%), completion time p50 ${formatMs(j.p50)}, p95 ${formatMs(j.p95)}, max ${formatMs(j.max)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prodctl loadtest — ${esc(r.scenario)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px;margin:0 0 4px} .meta{color:#666;margin-bottom:16px}
.verdict{display:inline-block;padding:4px 10px;border-radius:4px;color:#fff;font-weight:600}
.pass{background:#2e7d32}.failv{background:#c62828}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4}.ok{color:#2e7d32;font-weight:700}.fail{color:#c62828;font-weight:700}
svg{display:block;margin:8px 0 20px;background:#fafafa;border:1px solid #eee}
.title{font-size:14px;font-weight:600;fill:#222}.tick{font-size:11px;fill:#555}.grid{stroke:#e4e4e4}
</style></head><body>
<h1>prodctl loadtest — ${esc(r.scenario)}</h1>
<div class="meta">engine ${esc(r.engine)} · target ${esc(r.target)} · started ${esc(r.startedAt)} · ${(r.durationMs / 1000).toFixed(1)} s</div>
<p><span class="verdict ${passed ? 'pass' : 'failv'}">${passed ? 'THRESHOLDS PASSED' : 'THRESHOLDS FAILED'}</span></p>
<h2>Thresholds</h2>${thresholds}
${latency}
${throughput}
${histogram}
<h2>Endpoints</h2>${endpoints}
<p>Errors by status: ${errs}</p>
<p>Jobs: ${jobs}</p>
</body></html>
`;
}
