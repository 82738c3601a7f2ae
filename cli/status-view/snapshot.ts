// What `prodctl status` shows, as plain data (also the --json output), and the PromQL behind
// each number. Pure.
import { METRICS, SLI_ROUTES } from '../../contract/index.js';
import type { NodeStatus, ServiceStatus } from '../../targets/types.js';
import type { ArchiverStatus } from '../../backup/wal/read-archiver.js';

export interface FiringAlert {
  name: string;
  severity: string;
  since: string;
  summary: string;
}

export interface StatusSnapshot {
  at: string;
  project: string;
  target: string;
  release?: string;
  services: ServiceStatus[] | null;
  /** Swarm: the cluster's nodes. */
  nodes?: NodeStatus[];
  servicesError?: string;
  prometheus: { url: string; reachable: boolean; error?: string };
  api: { rps: number | null; p95Seconds: number | null; p95UploadSeconds: number | null; p95StatusSeconds: number | null; errorRatio: number | null; inFlight: number | null };
  queue: { waiting: number | null; active: number | null; delayed: number | null; failed: number | null; oldestWaitingSeconds: number | null };
  workers: { jobsPerSecond: number | null; failedPerSecond: number | null; activeJobs: number | null };
  postgres: { connections: number | null; maxConnections: number | null; up: boolean | null };
  redis: { usedBytes: number | null; maxBytes: number | null; up: boolean | null };
  alerts: { url: string; reachable: boolean; error?: string; firing: FiringAlert[] };
  backup: { source: string | null; lastSuccessAt: string | null; ageSeconds: number | null; verifyOk: boolean | null; verifiedAt: string | null };
  /** Error budget left per SLO over the profile's slo.window (`prodctl slo` has the details). */
  slo: { window: string; budgets: { slo: string; target: number; budgetRemaining: number | null }[] | null; error?: string };
  /** backup.wal.archive on: pg_stat_archiver, and the age past which PostgresWalArchiveLagging fires. */
  walArchive?: (ArchiverStatus & { lagLimitSeconds: number }) | { error: string; lagLimitSeconds: number };
  /** The worker autoscaler's last decision (state folder), when it runs. */
  autoscale?: { at: string; current: number; desired: number; reason: string; why: string };
}

const H = METRICS.httpDuration.name;
const NOT_PROBES = 'route!~"/livez|/readyz|/metrics"';
const sli = (w: keyof typeof SLI_ROUTES) => `method="${SLI_ROUTES[w].method}",route="${SLI_ROUTES[w].route}"`;
const queue = (state: string) => `max(${METRICS.queueJobs.name}{state="${state}"})`;

/** One instant query per number; `window` is the rate window (a few scrape intervals). */
export function buildStatusQueries(window: string): Record<string, string> {
  const p95 = (sel: string) => `histogram_quantile(0.95, sum by (le) (rate(${H}_bucket{${sel}}[${window}])))`;
  return {
    'api.rps': `sum(rate(${H}_count{${NOT_PROBES}}[${window}]))`,
    'api.p95Seconds': p95(NOT_PROBES),
    'api.p95UploadSeconds': p95(sli('upload')),
    'api.p95StatusSeconds': p95(sli('status')),
    'api.errorRatio': `sum(rate(${H}_count{status=~"5..",${NOT_PROBES}}[${window}])) / sum(rate(${H}_count{${NOT_PROBES}}[${window}]))`,
    'api.inFlight': `sum(${METRICS.httpInFlight.name})`,
    'queue.waiting': queue('waiting'),
    'queue.active': queue('active'),
    'queue.delayed': queue('delayed'),
    'queue.failed': queue('failed'),
    'queue.oldestWaitingSeconds': `max(${METRICS.queueOldestWaitingAge.name})`,
    'workers.jobsPerSecond': `sum(rate(${METRICS.jobsTotal.name}{outcome="completed"}[${window}]))`,
    'workers.failedPerSecond': `sum(rate(${METRICS.jobsTotal.name}{outcome="failed"}[${window}]))`,
    'workers.activeJobs': `sum(${METRICS.workerActive.name})`,
    'postgres.connections': 'sum(pg_stat_activity_count)',
    'postgres.maxConnections': 'max(pg_settings_max_connections)',
    'postgres.up': 'max(pg_up)',
    'redis.usedBytes': 'max(redis_memory_used_bytes)',
    'redis.maxBytes': 'max(redis_memory_max_bytes)',
    'redis.up': 'max(redis_up)',
  };
}

/** Sets `section.field` from query results; booleans for `.up`, NaN (no traffic) as null. */
export function applyQueryResults(snap: StatusSnapshot, results: Record<string, number | null>): void {
  for (const [key, value] of Object.entries(results)) {
    const [section, field] = key.split('.') as [keyof StatusSnapshot, string];
    const target = snap[section] as unknown as Record<string, number | boolean | null>;
    const v = value === null || Number.isNaN(value) ? null : value;
    target[field] = field === 'up' ? (v === null ? null : v >= 1) : v;
  }
}

export function emptySnapshot(project: string, target: string, prometheusUrl: string, alertmanagerUrl: string, sloWindow = '30d'): StatusSnapshot {
  return {
    at: new Date().toISOString(),
    project,
    target,
    services: null,
    prometheus: { url: prometheusUrl, reachable: false },
    api: { rps: null, p95Seconds: null, p95UploadSeconds: null, p95StatusSeconds: null, errorRatio: null, inFlight: null },
    queue: { waiting: null, active: null, delayed: null, failed: null, oldestWaitingSeconds: null },
    workers: { jobsPerSecond: null, failedPerSecond: null, activeJobs: null },
    postgres: { connections: null, maxConnections: null, up: null },
    redis: { usedBytes: null, maxBytes: null, up: null },
    alerts: { url: alertmanagerUrl, reachable: false, firing: [] },
    backup: { source: null, lastSuccessAt: null, ageSeconds: null, verifyOk: null, verifiedAt: null },
    slo: { window: sloWindow, budgets: null },
  };
}

/** Reads the backup gauges from node-exporter textfile content (Prometheus text format). */
export function parseBackupTextfile(text: string, now: number): Pick<StatusSnapshot['backup'], 'lastSuccessAt' | 'ageSeconds' | 'verifyOk' | 'verifiedAt'> {
  const value = (name: string): number | null => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    const v = line ? Number(line.trim().split(/\s+/).at(-1)) : NaN;
    return Number.isFinite(v) ? v : null;
  };
  const last = value(METRICS.backupLastSuccess.name);
  const ok = value(METRICS.backupLastVerifyOk.name);
  const verified = value(METRICS.backupLastVerifyTime.name);
  return {
    lastSuccessAt: last === null ? null : new Date(last * 1000).toISOString(),
    ageSeconds: last === null ? null : Math.max(0, Math.round(now / 1000 - last)),
    verifyOk: ok === null ? null : ok === 1,
    verifiedAt: verified === null ? null : new Date(verified * 1000).toISOString(),
  };
}
