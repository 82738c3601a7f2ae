// The Grafana dashboards as plain data: rows of panels, each with PromQL built from the metrics
// contract. render-grafana.ts turns them into dashboard JSON; tests run every expression. Pure.
import { METRICS } from '../../contract/index.js';
import { sliSelector } from './alert-rules.js';
import type { MonitoringSettings } from './monitoring-settings.js';

export interface PanelQuery {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  kind: 'timeseries' | 'stat';
  unit: string;
  queries: PanelQuery[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  tags: string[];
  panels: PanelSpec[];
}

const H = METRICS.httpDuration.name;
const NOT_PROBES = 'route!~"/livez|/readyz|/metrics"';

export function buildDashboards(s: MonitoringSettings): DashboardSpec[] {
  const w = '$__rate_interval';
  const q = (expr: string, legend: string): PanelQuery => ({ expr, legend });
  const p95 = (by: string, sel: string) => `histogram_quantile(0.95, sum by (le${by ? `, ${by}` : ''}) (rate(${H}_bucket{${sel}}[${w}])))`;
  return [
    {
      uid: 'prodctl-api',
      title: 'prodctl · API golden signals',
      tags: ['prodctl', 'api'],
      panels: [
        { title: 'Traffic (requests/s by route)', kind: 'timeseries', unit: 'reqps', queries: [q(`sum by (route, method) (rate(${H}_count{${NOT_PROBES}}[${w}]))`, '{{method}} {{route}}')] },
        {
          title: 'Errors (5xx ratio)',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [q(`sum(rate(${H}_count{status=~"5..",${NOT_PROBES}}[${w}])) / sum(rate(${H}_count{${NOT_PROBES}}[${w}]))`, '5xx ratio'), q(`${s.thresholds.errorRatio} + 0 * vector(1)`, 'alert threshold')],
        },
        {
          title: 'Latency p95 (upload / status)',
          kind: 'timeseries',
          unit: 's',
          queries: [q(p95('', sliSelector('upload')), 'upload p95'), q(p95('', sliSelector('status')), 'status p95'), q(p95('route', NOT_PROBES), 'p95 {{route}}')],
        },
        {
          title: 'Saturation',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            q(`sum(${METRICS.httpInFlight.name})`, 'in flight'),
            q(`sum(rate(${METRICS.httpRateLimited.name}[${w}])) by (bucket)`, '429 {{bucket}}/s'),
            q(`sum(rate(${METRICS.httpBackpressure.name}[${w}]))`, 'backpressure 503/s'),
            q('max by (instance) (nodejs_eventloop_lag_p99_seconds{job="api"})', 'event loop p99 {{instance}}'),
          ],
        },
        { title: 'Replicas up', kind: 'stat', unit: 'short', queries: [q('sum(up{job="api"})', 'api up'), q(`sum(${METRICS.ready.name}{job="api"})`, 'api ready')] },
        { title: 'Memory (RSS)', kind: 'timeseries', unit: 'bytes', queries: [q('process_resident_memory_bytes{job=~"api|worker"}', '{{job}} {{instance}}')] },
      ],
    },
    {
      uid: 'prodctl-queue',
      title: 'prodctl · Queue and workers',
      tags: ['prodctl', 'queue'],
      panels: [
        { title: 'Jobs by state', kind: 'timeseries', unit: 'short', queries: [q(`max by (state) (${METRICS.queueJobs.name}{state=~"waiting|active|delayed|failed"})`, '{{state}}')] },
        { title: 'Oldest waiting job', kind: 'stat', unit: 's', queries: [q(`max(${METRICS.queueOldestWaitingAge.name})`, 'age')] },
        { title: 'Throughput (jobs/s by outcome)', kind: 'timeseries', unit: 'ops', queries: [q(`sum by (outcome) (rate(${METRICS.jobsTotal.name}[${w}]))`, '{{outcome}}')] },
        { title: 'Job failure ratio', kind: 'timeseries', unit: 'percentunit', queries: [q(`sum(rate(${METRICS.jobsTotal.name}{outcome="failed"}[${w}])) / sum(rate(${METRICS.jobsTotal.name}{outcome=~"completed|failed"}[${w}]))`, 'failed')] },
        { title: 'Job duration p95 by op', kind: 'timeseries', unit: 's', queries: [q(`histogram_quantile(0.95, sum by (le, op) (rate(${METRICS.jobDuration.name}_bucket[${w}])))`, '{{op}}')] },
        { title: 'Active jobs per worker', kind: 'timeseries', unit: 'short', queries: [q(`${METRICS.workerActive.name}`, '{{instance}}'), q(`${s.workerCapacity} + 0 * vector(1)`, 'capacity')] },
        { title: 'Stalled jobs', kind: 'timeseries', unit: 'short', queries: [q(`sum(increase(${METRICS.jobsStalled.name}[${w}]))`, 'stalled')] },
        { title: 'Workers up', kind: 'stat', unit: 'short', queries: [q('sum(up{job="worker"})', 'workers up')] },
      ],
    },
    {
      uid: 'prodctl-data-host',
      title: 'prodctl · Postgres, Redis and host',
      tags: ['prodctl', 'postgres', 'redis', 'host'],
      panels: [
        { title: 'Postgres connections / max', kind: 'timeseries', unit: 'short', queries: [q('sum(pg_stat_activity_count)', 'connections'), q('max(pg_settings_max_connections)', 'max_connections')] },
        { title: 'Postgres connections by state', kind: 'timeseries', unit: 'short', queries: [q('sum by (state) (pg_stat_activity_count)', '{{state}}')] },
        { title: 'Longest transaction', kind: 'timeseries', unit: 's', queries: [q('max by (datname) (pg_stat_activity_max_tx_duration)', '{{datname}}')] },
        { title: 'App pool connections', kind: 'timeseries', unit: 'short', queries: [q(`sum by (job, state) (${METRICS.pgPool.name})`, '{{job}} {{state}}')] },
        { title: 'Redis memory / maxmemory', kind: 'timeseries', unit: 'bytes', queries: [q('redis_memory_used_bytes', 'used'), q('redis_memory_max_bytes', 'maxmemory')] },
        { title: 'Redis clients and rejections', kind: 'timeseries', unit: 'short', queries: [q('redis_connected_clients', 'clients'), q(`increase(redis_rejected_connections_total[${w}])`, 'rejected')] },
        { title: 'Host CPU busy', kind: 'timeseries', unit: 'percentunit', queries: [q(`1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${w}]))`, '{{instance}}')] },
        { title: 'Host memory available', kind: 'timeseries', unit: 'bytes', queries: [q('node_memory_MemAvailable_bytes', '{{instance}}')] },
        { title: 'Disk free', kind: 'timeseries', unit: 'percentunit', queries: [q('node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"} / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs"}', '{{mountpoint}}')] },
        { title: 'Last backup age', kind: 'stat', unit: 's', queries: [q(`time() - max(${METRICS.backupLastSuccess.name})`, 'age'), q(`min(${METRICS.backupLastVerifyOk.name})`, 'verify ok')] },
      ],
    },
  ];
}

/** Every PromQL expression of every dashboard, with Grafana's interval variable replaced. */
export function listDashboardExpressions(dashboards: DashboardSpec[], rateInterval: string): string[] {
  return dashboards.flatMap((d) => d.panels.flatMap((p) => p.queries.map((x) => x.expr.replaceAll('$__rate_interval', rateInterval))));
}
