// Adapters behind `prodctl status`: the target's status, Prometheus instant queries, the
// Alertmanager API and the backup textfile. Each source fails on its own; the view shows what
// it got and says what it could not reach.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TEXTFILE_NAME } from '../../backup/textfile.js';
import { readAutoscaleState } from '../../state/autoscale-state.js';
import { fetchActiveAlerts } from '../../lib/alertmanager.js';
import type { StackPlan } from '../../plan/types.js';
import type { Target, TargetContext } from '../../targets/types.js';
import { collectSloRows } from '../slo-collect.js';
import type { ArchiverStatus } from '../../backup/wal/read-archiver.js';
import { applyQueryResults, buildStatusQueries, emptySnapshot, parseBackupTextfile, type FiringAlert, type StatusSnapshot } from './snapshot.js';

export interface StatusSources {
  plan: StackPlan;
  target: Target | null;
  targetError?: string;
  targetCtx: TargetContext;
  prometheusUrl: string;
  alertmanagerUrl: string;
  textfile: string;
  rateWindow: string;
  timeoutMs: number;
  /** backup.wal.archive on: reads pg_stat_archiver; the lag limit of the alert. */
  walArchiver?: { read: () => Promise<ArchiverStatus>; lagLimitSeconds: number };
}

export async function collectSnapshot(src: StatusSources): Promise<StatusSnapshot> {
  const snap = emptySnapshot(src.plan.project, src.plan.target, src.prometheusUrl, src.alertmanagerUrl, src.plan.profile.slo.window);
  await Promise.all([collectServices(src, snap), collectMetrics(src, snap), collectAlerts(src, snap), collectSlo(src, snap), collectWalArchive(src, snap)]);
  collectBackup(src, snap);
  const a = readAutoscaleState(src.targetCtx.stateDir);
  if (a) snap.autoscale = { at: a.at, current: a.current, desired: a.desired, reason: a.reason, why: a.why };
  return snap;
}

async function collectServices(src: StatusSources, snap: StatusSnapshot): Promise<void> {
  if (!src.target) {
    snap.servicesError = src.targetError ?? 'no target';
    return;
  }
  try {
    const st = await src.target.status(src.targetCtx);
    snap.services = st.services;
    if (st.nodes) snap.nodes = st.nodes;
    snap.release = st.release;
    snap.target = st.target;
  } catch (err) {
    snap.servicesError = err instanceof Error ? err.message : String(err);
  }
}

async function collectMetrics(src: StatusSources, snap: StatusSnapshot): Promise<void> {
  const queries = Object.entries(buildStatusQueries(src.rateWindow));
  const results: Record<string, number | null> = {};
  try {
    await Promise.all(
      queries.map(async ([key, expr]) => {
        results[key] = await instantQuery(src.prometheusUrl, expr, src.timeoutMs);
      }),
    );
    snap.prometheus.reachable = true;
    applyQueryResults(snap, results);
  } catch (err) {
    snap.prometheus.error = describeFetchError(err);
  }
}

async function collectSlo(src: StatusSources, snap: StatusSnapshot): Promise<void> {
  try {
    const rows = await collectSloRows(src.prometheusUrl, src.plan.profile.slo, snap.slo.window, src.timeoutMs);
    snap.slo.budgets = rows.map((r) => ({ slo: r.slo, target: r.target, budgetRemaining: r.budgetRemaining }));
  } catch (err) {
    snap.slo.error = err instanceof Error ? err.message : String(err);
  }
}

async function instantQuery(base: string, expr: string, timeoutMs: number): Promise<number | null> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? res.status}`);
  const first = body.data?.result[0];
  return first ? Number(first.value[1]) : null;
}

async function collectAlerts(src: StatusSources, snap: StatusSnapshot): Promise<void> {
  try {
    const alerts = await fetchActiveAlerts(src.alertmanagerUrl, src.timeoutMs);
    snap.alerts.reachable = true;
    snap.alerts.firing = alerts
      .filter((a) => a.status.state === 'active')
      .map((a): FiringAlert => ({ name: a.labels.alertname ?? '?', severity: a.labels.severity ?? 'none', since: a.startsAt, summary: a.annotations.summary ?? '' }))
      .sort((a, b) => (a.severity === b.severity ? a.name.localeCompare(b.name) : a.severity === 'critical' ? -1 : 1));
  } catch (err) {
    snap.alerts.error = describeFetchError(err);
  }
}

function collectBackup(src: StatusSources, snap: StatusSnapshot): void {
  try {
    const text = readFileSync(src.textfile, 'utf8');
    snap.backup = { source: src.textfile, ...parseBackupTextfile(text, Date.now()) };
  } catch {
    snap.backup.source = null; // no backup taken yet on this host
  }
}

async function collectWalArchive(src: StatusSources, snap: StatusSnapshot): Promise<void> {
  if (!src.walArchiver) return;
  const lagLimitSeconds = src.walArchiver.lagLimitSeconds;
  try {
    snap.walArchive = { ...(await src.walArchiver.read()), lagLimitSeconds };
  } catch (err) {
    snap.walArchive = { error: err instanceof Error ? err.message : String(err), lagLimitSeconds };
  }
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  // fetch wraps the reason ("fetch failed"); the cause says what happened
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

export function textfilePath(stateDir: string): string {
  return path.join(stateDir, 'textfile', TEXTFILE_NAME);
}
