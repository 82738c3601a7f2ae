// Turns a snapshot into titled sections of label/value rows with a tone. The plain printer and
// the ink live view both draw these, so both show the same numbers. Pure.
import { formatBytes, formatDuration } from '../../lib/output.js';
import { formatServiceRows } from './services-table.js';
import type { Row, Section, Tone } from './rows.js';
import { formatSwarmSections } from './swarm-sections.js';
import type { StatusSnapshot } from './snapshot.js';

export type { Row, Section, Tone } from './rows.js';

const NA = '—';

export function formatSections(s: StatusSnapshot): Section[] {
  const swarm = s.nodes && s.services ? formatSwarmSections(s.nodes, s.services) : [];
  return [servicesSection(s), ...swarm, apiSection(s), queueSection(s), ...autoscaleSection(s), dataSection(s), sloSection(s), alertsSection(s), backupSection(s)];
}

function servicesSection(s: StatusSnapshot): Section {
  if (!s.services) return { title: 'Services', rows: [{ label: 'target', value: `unavailable: ${s.servicesError ?? 'unknown'}`, tone: 'warn' }] };
  return { title: `Services (${s.target}${s.release ? `, release ${s.release}` : ''})`, rows: formatServiceRows(s, s.services) };
}

function apiSection(s: StatusSnapshot): Section {
  if (!s.prometheus.reachable) return { title: 'API', rows: [{ label: 'metrics', value: `Prometheus unreachable at ${s.prometheus.url} (${s.prometheus.error ?? 'no answer'})`, tone: 'warn' }] };
  const a = s.api;
  return {
    title: 'API',
    rows: [
      { label: 'rps', value: num(a.rps, 1), tone: 'ok' },
      { label: 'p95', value: `${secs(a.p95Seconds)}  upload ${secs(a.p95UploadSeconds)}  status ${secs(a.p95StatusSeconds)}`, tone: 'ok' },
      { label: 'errors', value: a.errorRatio === null ? NA : `${(a.errorRatio * 100).toFixed(2)} %`, tone: a.errorRatio !== null && a.errorRatio > 0.02 ? 'bad' : 'ok' },
      { label: 'in flight', value: num(a.inFlight, 0), tone: 'ok' },
    ],
  };
}

function sloSection(s: StatusSnapshot): Section {
  const title = `Error budget left (${s.slo.window})`;
  if (!s.slo.budgets) return { title, rows: s.prometheus.reachable ? [{ label: 'slo', value: s.slo.error ?? NA, tone: 'warn' }] : [] };
  return {
    title,
    rows: s.slo.budgets.map((b) => ({
      label: b.slo,
      value: b.budgetRemaining === null ? `no traffic (objective ${+(b.target * 100).toFixed(3)} %)` : `${(b.budgetRemaining * 100).toFixed(1)} %  (objective ${+(b.target * 100).toFixed(3)} %)`,
      tone: b.budgetRemaining === null ? 'dim' : b.budgetRemaining <= 0 ? 'bad' : b.budgetRemaining < 0.25 ? 'warn' : 'ok',
    })),
  };
}

function queueSection(s: StatusSnapshot): Section {
  if (!s.prometheus.reachable) return { title: 'Queue and workers', rows: [] };
  const q = s.queue;
  const w = s.workers;
  return {
    title: 'Queue and workers',
    rows: [
      { label: 'jobs', value: `waiting ${num(q.waiting, 0)}  active ${num(q.active, 0)}  delayed ${num(q.delayed, 0)}  failed ${num(q.failed, 0)}`, tone: 'ok' },
      { label: 'oldest', value: q.oldestWaitingSeconds === null ? NA : formatDuration(q.oldestWaitingSeconds * 1000), tone: (q.oldestWaitingSeconds ?? 0) > 300 ? 'bad' : 'ok' },
      { label: 'throughput', value: `${num(w.jobsPerSecond, 2)} jobs/s  failed ${num(w.failedPerSecond, 2)}/s  running ${num(w.activeJobs, 0)}`, tone: 'ok' },
    ],
  };
}

// The "why" of the worker count: the autoscaler's last decision, in its own words.
function autoscaleSection(s: StatusSnapshot): Section[] {
  const a = s.autoscale;
  if (!a) return [];
  const tone: Tone = a.reason === 'at-max' || a.reason === 'unreadable' ? 'bad' : a.reason === 'deploy-running' ? 'warn' : 'ok';
  return [
    {
      title: `Autoscaler (${a.at})`,
      rows: [
        { label: 'workers', value: `${a.current} → ${a.desired}`, tone: 'ok' },
        { label: 'why', value: `${a.reason}: ${a.why}`, tone },
      ],
    },
  ];
}

function dataSection(s: StatusSnapshot): Section {
  if (!s.prometheus.reachable) return { title: 'Postgres and Redis', rows: [] };
  const p = s.postgres;
  const r = s.redis;
  const pgRatio = p.connections !== null && p.maxConnections ? p.connections / p.maxConnections : null;
  const redisRatio = r.usedBytes !== null && r.maxBytes ? r.usedBytes / r.maxBytes : null;
  return {
    title: 'Postgres and Redis',
    rows: [
      { label: 'postgres', value: p.up === false ? 'DOWN' : `${num(p.connections, 0)}/${num(p.maxConnections, 0)} connections`, tone: p.up === false ? 'bad' : (pgRatio ?? 0) > 0.8 ? 'warn' : 'ok' },
      { label: 'redis', value: r.up === false ? 'DOWN' : `${r.usedBytes === null ? NA : formatBytes(r.usedBytes)} / ${r.maxBytes ? formatBytes(r.maxBytes) : 'no maxmemory'}`, tone: r.up === false ? 'bad' : (redisRatio ?? 0) > 0.9 ? 'warn' : 'ok' },
    ],
  };
}

function alertsSection(s: StatusSnapshot): Section {
  if (!s.alerts.reachable) return { title: 'Alerts', rows: [{ label: 'alertmanager', value: `unreachable at ${s.alerts.url} (${s.alerts.error ?? 'no answer'})`, tone: 'warn' }] };
  if (s.alerts.firing.length === 0) return { title: 'Alerts', rows: [{ label: 'firing', value: 'none', tone: 'ok' }] };
  return {
    title: `Alerts (${s.alerts.firing.length} firing)`,
    rows: s.alerts.firing.map((a) => ({ label: a.name, value: `${a.severity}  ${a.summary}`, tone: a.severity === 'critical' ? 'bad' : 'warn' })),
  };
}

function walRows(s: StatusSnapshot): Row[] {
  const w = s.walArchive;
  if (!w) return [];
  if ('error' in w) return [{ label: 'wal', value: `pg_stat_archiver unreadable: ${w.error}`, tone: 'warn' }];
  const failing = w.lastFailedAt !== null && (w.lastArchivedAt === null || w.lastFailedAt > w.lastArchivedAt);
  const last = w.lastArchivedWal ? `${w.lastArchivedWal} archived ${secs(w.ageSeconds)} ago` : 'nothing archived yet';
  return [
    {
      label: 'wal',
      value: `${last}${failing ? ` · FAILING since ${w.lastFailedAt} (${w.lastFailedWal})` : ''}`,
      tone: failing ? 'bad' : (w.ageSeconds ?? 0) > w.lagLimitSeconds ? 'warn' : 'ok',
    },
  ];
}

function backupSection(s: StatusSnapshot): Section {
  const b = s.backup;
  if (!b.source || !b.lastSuccessAt) return { title: 'Backup', rows: [{ label: 'last', value: 'no backup recorded on this host', tone: 'warn' }, ...walRows(s)] };
  return {
    title: 'Backup',
    rows: [
      { label: 'last', value: `${b.lastSuccessAt} (${formatDuration((b.ageSeconds ?? 0) * 1000)} ago)`, tone: 'ok' },
      { label: 'verify', value: b.verifyOk === null ? 'never verified' : `${b.verifyOk ? 'passed' : 'FAILED'}${b.verifiedAt ? ` at ${b.verifiedAt}` : ''}`, tone: b.verifyOk === false ? 'bad' : b.verifyOk ? 'ok' : 'warn' },
      ...walRows(s),
    ],
  };
}

function num(v: number | null, digits: number): string {
  return v === null ? NA : v.toFixed(digits);
}

function secs(v: number | null): string {
  return v === null ? NA : formatDuration(v * 1000);
}

/** Plain text for one print (no --watch): one header line, then the sections. */
export function renderPlain(s: StatusSnapshot, paintTone: (text: string, tone: Tone) => string): string {
  const lines = [`prodctl status · ${s.project} · ${s.at}`];
  for (const sec of formatSections(s)) {
    if (sec.rows.length === 0) continue;
    lines.push('', sec.title);
    const width = Math.max(...sec.rows.map((r) => r.label.length));
    for (const r of sec.rows) lines.push(`  ${r.label.padEnd(width)}  ${paintTone(r.value, r.tone)}`);
  }
  return lines.join('\n');
}
