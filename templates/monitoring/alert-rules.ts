// The alert rules as plain data, built from the metrics contract and the profile's thresholds.
// Every rule names its runbook section (docs/runbooks.md#<alert in lower case>). Pure.
import { METRICS, SLI_ROUTES } from '../../contract/index.js';
import type { MonitoringSettings } from './monitoring-settings.js';

export type AlertGroup = 'api' | 'queue' | 'postgres' | 'redis' | 'host' | 'backup' | 'platform';

export interface AlertRule {
  group: AlertGroup;
  alert: string;
  expr: string;
  for?: string;
  severity: 'critical' | 'warning';
  summary: string;
  description: string;
}

export const RUNBOOK_DOC = 'docs/runbooks.md';

export function runbookAnchor(alert: string): string {
  return alert.toLowerCase();
}

const M = {
  http: METRICS.httpDuration.name,
  queue: METRICS.queueJobs.name,
  oldest: METRICS.queueOldestWaitingAge.name,
  jobs: METRICS.jobsTotal.name,
  stalled: METRICS.jobsStalled.name,
  reconciled: METRICS.jobsReconciled.name,
  active: METRICS.workerActive.name,
  backupOk: METRICS.backupLastSuccess.name,
  verifyOk: METRICS.backupLastVerifyOk.name,
  tls: METRICS.tlsCertNotAfter.name,
  autoscaled: METRICS.autoscalerCurrent.name,
  autoscaleMax: METRICS.autoscalerMax.name,
};

// Health probes are not user traffic: they stay out of latency and error SLIs.
const NOT_PROBES = 'route!~"/livez|/readyz|/metrics"';
const FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*"';

export function buildAlertRules(s: MonitoringSettings): AlertRule[] {
  const t = s.thresholds;
  const w = s.window;
  const waiting = `max(${M.queue}{state="waiting"})`;
  return [
    {
      group: 'api',
      alert: 'ApiErrorRatioHigh',
      expr: `sum(rate(${M.http}_count{status=~"5..",${NOT_PROBES}}[${w}])) / sum(rate(${M.http}_count{${NOT_PROBES}}[${w}])) > ${t.errorRatio}`,
      for: s.forMedium,
      severity: 'critical',
      summary: `API error ratio above ${pct(t.errorRatio)}`,
      description: `{{ $value | humanizePercentage }} of API requests answered 5xx over the last ${w}.`,
    },
    latencyRule('ApiUploadLatencyHigh', 'upload', t.p95UploadSeconds, s),
    latencyRule('ApiStatusLatencyHigh', 'status', t.p95StatusSeconds, s),
    replicasRule('ApiReplicasDown', 'api', s.replicas.api, s),
    replicasRule('WorkerReplicasDown', 'worker', s.replicas.worker, s),
    {
      group: 'queue',
      alert: 'QueueBacklogGrowing',
      // Growing for the whole `for` window and larger than what the workers take at once.
      expr: `${waiting} > ${s.workerCapacity} and max(delta(${M.queue}{state="waiting"}[${w}])) > 0`,
      for: s.forMedium,
      severity: 'warning',
      summary: 'Job backlog keeps growing',
      description: `{{ $value }} jobs waiting and the backlog grew over the last ${w}; workers do not keep up.`,
    },
    {
      group: 'queue',
      alert: 'AutoscalerAtMax',
      // The autoscaler has added all it may and the backlog still grows: capacity is exhausted.
      expr: `max(${M.autoscaled}) >= max(${M.autoscaleMax}) and max(delta(${M.queue}{state="waiting"}[${w}])) > 0`,
      for: s.forMedium,
      severity: 'warning',
      summary: 'Workers at autoscale.max and the backlog still grows',
      description: `{{ $value }} workers, as many as autoscale.max allows, and the backlog grew over the last ${w}.`,
    },
    {
      group: 'queue',
      alert: 'QueueOldestJobTooOld',
      expr: `max(${M.oldest}) > ${t.oldestWaitingSeconds}`,
      for: s.forShort,
      severity: 'warning',
      summary: `A job has waited more than ${t.oldestWaitingSeconds}s`,
      description: 'The oldest waiting job is {{ $value | humanizeDuration }} old.',
    },
    {
      group: 'queue',
      alert: 'JobFailureRatioHigh',
      expr: `sum(rate(${M.jobs}{outcome="failed"}[${w}])) / sum(rate(${M.jobs}{outcome=~"completed|failed"}[${w}])) > ${t.jobFailureRatio}`,
      for: s.forMedium,
      severity: 'warning',
      summary: `More than ${pct(t.jobFailureRatio)} of jobs fail`,
      description: `{{ $value | humanizePercentage }} of finished jobs failed (after all attempts) over the last ${w}.`,
    },
    {
      group: 'queue',
      alert: 'JobsStalled',
      expr: `sum(increase(${M.stalled}[${w}])) > 0`,
      severity: 'warning',
      summary: 'Workers lost the lock on jobs (stalled)',
      description: `{{ $value }} jobs stalled over the last ${w} and went back to the queue.`,
    },
    {
      group: 'queue',
      alert: 'JobsReconciled',
      // Each repair is a job that would have been lost or left stuck: never routine, always looked at.
      expr: `sum(increase(${M.reconciled}[${w}])) > 0`,
      severity: 'warning',
      summary: 'Job records and the queue disagreed and were repaired',
      description: `{{ $value }} jobs repaired by the reconciler over the last ${w} (requeued, failure recorded or run again).`,
    },
    {
      group: 'queue',
      alert: 'NoWorkerConsuming',
      expr: `${waiting} > 0 and (sum(rate(${M.jobs}[${w}])) or vector(0)) == 0 and (sum(${M.active}) or vector(0)) == 0`,
      for: s.forMedium,
      severity: 'critical',
      summary: 'Jobs wait but no worker processes any',
      description: `{{ $value }} jobs waiting and no job finished or ran over the last ${w}.`,
    },
    {
      group: 'postgres',
      alert: 'PostgresDown',
      expr: 'pg_up == 0',
      for: s.forShort,
      severity: 'critical',
      summary: 'Postgres does not answer',
      description: 'postgres-exporter on {{ $labels.instance }} cannot connect to Postgres.',
    },
    {
      group: 'postgres',
      alert: 'PostgresConnectionsHigh',
      expr: `sum by (instance) (pg_stat_activity_count) / max by (instance) (pg_settings_max_connections) > ${t.pgConnectionsRatio}`,
      for: s.forMedium,
      severity: 'warning',
      summary: `Postgres connections above ${pct(t.pgConnectionsRatio)} of max_connections`,
      description: '{{ $value | humanizePercentage }} of max_connections in use.',
    },
    {
      group: 'postgres',
      alert: 'PostgresLongTransaction',
      expr: `max by (instance, datname) (pg_stat_activity_max_tx_duration) > ${t.pgLongTransactionSeconds}`,
      for: s.forShort,
      severity: 'warning',
      summary: `A Postgres transaction has run longer than ${t.pgLongTransactionSeconds}s`,
      description: 'The longest transaction in {{ $labels.datname }} has run {{ $value | humanizeDuration }}.',
    },
    {
      group: 'redis',
      alert: 'RedisDown',
      expr: 'redis_up == 0',
      for: s.forShort,
      severity: 'critical',
      summary: 'Redis does not answer',
      description: 'redis-exporter on {{ $labels.instance }} cannot reach Redis; uploads and jobs stop.',
    },
    {
      group: 'redis',
      alert: 'RedisMemoryHigh',
      expr: `redis_memory_used_bytes / (redis_memory_max_bytes > 0) > ${t.redisMemoryRatio}`,
      for: s.forMedium,
      severity: 'critical',
      summary: `Redis memory above ${pct(t.redisMemoryRatio)} of maxmemory`,
      description: 'Redis uses {{ $value | humanizePercentage }} of maxmemory; with noeviction, writes fail when it is full.',
    },
    {
      group: 'redis',
      alert: 'RedisRejectedConnections',
      expr: `increase(redis_rejected_connections_total[${w}]) > 0`,
      severity: 'warning',
      summary: 'Redis rejected connections (maxclients reached)',
      description: `{{ $value }} connections rejected over the last ${w}.`,
    },
    {
      group: 'redis',
      alert: 'RedisPersistenceError',
      expr: 'redis_rdb_last_bgsave_status == 0 or redis_aof_last_bgrewrite_status == 0 or redis_aof_last_write_status == 0',
      severity: 'critical',
      summary: 'Redis failed to write its RDB or AOF',
      description: 'The last RDB save, AOF rewrite or AOF write on {{ $labels.instance }} failed.',
    },
    {
      group: 'host',
      alert: 'HostDiskFilling',
      expr:
        `(node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < ${t.diskFreeRatio} and node_filesystem_readonly{${FS}} == 0)` +
        ` or (predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24 * 3600) < 0 and node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}} < 0.25 and node_filesystem_readonly{${FS}} == 0)`,
      for: s.forLong,
      severity: 'warning',
      summary: 'Disk filling up',
      description: '{{ $labels.mountpoint }} on {{ $labels.instance }} has less than 10 % free or fills within 24 h at the current rate.',
    },
    {
      group: 'backup',
      alert: 'BackupTooOld',
      expr: `time() - max(${M.backupOk}) > ${t.backupMaxAgeSeconds}`,
      severity: 'critical',
      summary: 'The last complete backup is older than its schedule plus slack',
      description: `The last backup set finished {{ $value | humanizeDuration }} ago (limit ${t.backupMaxAgeSeconds}s).`,
    },
    {
      group: 'backup',
      alert: 'BackupVerifyFailed',
      expr: `min(${M.verifyOk}) == 0`,
      severity: 'critical',
      summary: 'The last backup verify failed',
      description: 'Restoring the last backup set into a scratch instance failed; that backup cannot be trusted.',
    },
    ...walArchiveRules(s),
    {
      group: 'platform',
      alert: 'TlsCertificateExpiring',
      // Whichever source the stack has: prodctl's reading of what HAProxy serves (`show ssl cert`),
      // Traefik's own gauge, or a blackbox exporter probe of the public endpoint.
      expr:
        `min by (domain) (${M.tls}) - time() < ${t.tlsExpiryDays} * 86400` +
        ` or min by (cn) (traefik_tls_certs_not_after) - time() < ${t.tlsExpiryDays} * 86400` +
        ` or min by (instance) (probe_ssl_earliest_cert_expiry) - time() < ${t.tlsExpiryDays} * 86400`,
      severity: 'warning',
      summary: `A TLS certificate expires within ${t.tlsExpiryDays} days`,
      description: 'The certificate for {{ $labels.domain }}{{ $labels.cn }}{{ $labels.instance }} expires in {{ $value | humanizeDuration }}.',
    },
    {
      group: 'platform',
      alert: 'PrometheusTargetMissing',
      expr: 'up == 0',
      for: s.forMedium,
      severity: 'warning',
      summary: 'A scrape target is down',
      description: 'Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}.',
    },
    {
      group: 'platform',
      alert: 'AlertmanagerUnreachable',
      expr:
        `up{job="alertmanager"} == 0 or prometheus_notifications_alertmanagers_discovered < 1` +
        ` or rate(prometheus_notifications_errors_total[${w}]) > 0`,
      for: s.forShort,
      severity: 'critical',
      summary: 'Prometheus cannot deliver alerts to Alertmanager',
      description: 'No Alertmanager discovered, its target is down, or notifications fail.',
    },
  ];
}

/** Label selector of one latency objective's route. */
export function sliSelector(what: keyof typeof SLI_ROUTES): string {
  return `method="${SLI_ROUTES[what].method}",route="${SLI_ROUTES[what].route}"`;
}

function latencyRule(alert: string, what: keyof typeof SLI_ROUTES, seconds: number, s: MonitoringSettings): AlertRule {
  const { method, route } = SLI_ROUTES[what];
  return {
    group: 'api',
    alert,
    expr: `histogram_quantile(0.95, sum by (le) (rate(${M.http}_bucket{${sliSelector(what)}}[${s.window}]))) > ${seconds}`,
    for: s.forMedium,
    severity: 'warning',
    summary: `API ${what} p95 above ${seconds}s`,
    description: `p95 of ${method} ${route} is {{ $value | humanizeDuration }} over the last ${s.window} (threshold ${seconds}s from the profile).`,
  };
}

function replicasRule(alert: string, job: 'api' | 'worker', desired: number, s: MonitoringSettings): AlertRule {
  return {
    group: job === 'api' ? 'api' : 'queue',
    alert,
    // `or vector(0)` keeps the rule alive when every target is gone from discovery.
    expr: `(sum(up{job="${job}"}) or vector(0)) < ${desired}`,
    for: s.forShort,
    severity: 'critical',
    summary: `Fewer ${job} replicas up than the ${desired} planned`,
    description: `{{ $value }} of ${desired} ${job} replicas answer their metrics endpoint.`,
  };
}

function pct(ratio: number): string {
  return `${+(ratio * 100).toFixed(2)} %`;
}

/**
 * WAL archiving (backup.wal), from postgres-exporter's pg_stat_archiver (Debian's 0.11 has it).
 * Archiving only happens when there were writes, so "nothing archived for a while" alone is normal
 * on an idle database: the lag alert needs writes in the same span.
 */
function walArchiveRules(s: MonitoringSettings): AlertRule[] {
  if (!s.walArchive) return [];
  const lag = s.walArchive.lagSeconds;
  const writes = ['inserted', 'updated', 'deleted'].map((t) => `increase(pg_stat_database_tup_${t}[${lag}s])`).join(' + ');
  return [
    {
      group: 'postgres',
      alert: 'PostgresWalArchiveFailing',
      expr: `increase(pg_stat_archiver_failed_count[${s.window}]) > 0 and on (instance) increase(pg_stat_archiver_archived_count[${s.window}]) == 0`,
      for: s.forShort,
      severity: 'critical',
      summary: 'Postgres cannot archive WAL to the backup target',
      description: `archive_command (prodctl wal-push) failed {{ $value }} times over the last ${s.window} and nothing was archived: the recovery point grows and pg_wal fills.`,
    },
    {
      group: 'postgres',
      alert: 'PostgresWalArchiveLagging',
      expr: `max by (instance) (pg_stat_archiver_last_archive_age) > ${lag} and on (instance) sum by (instance) (${writes}) > 0`,
      severity: 'warning',
      summary: `The last archived WAL is older than ${lag}s while the database takes writes`,
      description: `Last WAL archived {{ $value | humanizeDuration }} ago (limit ${lag}s = backup.wal.lag_alert_factor × archive_timeout ${s.walArchive.timeoutSeconds}s).`,
    },
  ];
}
