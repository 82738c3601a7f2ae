// Everything the monitoring renderers derive from the plan, computed once and kept as plain data:
// timings, thresholds and expected replica counts. Pure.
import { CronExpressionParser } from 'cron-parser';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';

/** Nominal timings are written for a 15 s scrape interval; they scale with the profile's interval. */
const NOMINAL_SCRAPE_SECONDS = 15;

export interface MonitoringSettings {
  scrapeSeconds: number;
  evaluationSeconds: number;
  /** rate()/delta() window (5m at a 15 s scrape interval). */
  window: string;
  /** `for:` durations: short 1m, medium 2m, long 5m at a 15 s scrape interval. */
  forShort: string;
  forMedium: string;
  forLong: string;
  /** How often DNS and file discovery re-read their sources (30s at a 15 s scrape interval). */
  discoveryRefresh: string;
  replicas: { api: number; worker: number };
  workerCapacity: number;
  thresholds: {
    errorRatio: number;
    p95UploadSeconds: number;
    p95StatusSeconds: number;
    jobFailureRatio: number;
    oldestWaitingSeconds: number;
    pgConnectionsRatio: number;
    pgLongTransactionSeconds: number;
    redisMemoryRatio: number;
    diskFreeRatio: number;
    backupMaxAgeSeconds: number;
    tlsExpiryDays: number;
  };
  /** backup.wal.archive on: archive_timeout and the lag that alerts (lag_alert_factor × archive_timeout), in seconds. */
  walArchive: { timeoutSeconds: number; lagSeconds: number } | null;
}

export function deriveMonitoringSettings(plan: StackPlan): MonitoringSettings {
  const p = plan.profile;
  const scrapeSeconds = Math.max(1, parseDuration(p.monitoring.scrape_interval) / 1000);
  // Sub-second evaluation is allowed: it shortens the gap between a scrape and the rule seeing it.
  const evaluationSeconds = Math.max(0.1, parseDuration(p.monitoring.evaluation_interval) / 1000);
  const scale = (nominalSeconds: number, minScrapes = 0) =>
    formatSeconds(Math.max(Math.round((nominalSeconds * scrapeSeconds) / NOMINAL_SCRAPE_SECONDS), Math.ceil(minScrapes * scrapeSeconds)));
  const jobTimeoutSeconds = parseDuration(p.workers.job_timeout) / 1000;
  return {
    scrapeSeconds,
    evaluationSeconds,
    // At least four samples per window so rate() never sees fewer than two points.
    window: scale(300, 4),
    forShort: scale(60),
    forMedium: scale(120),
    forLong: scale(300),
    discoveryRefresh: scale(30),
    replicas: { api: replicaCount(plan, 'api', p.api.replicas), worker: replicaCount(plan, 'worker', p.workers.replicas) },
    workerCapacity: p.workers.replicas * p.workers.concurrency,
    thresholds: {
      errorRatio: thresholdValue(p.loadtest.thresholds, 'http_req_failed', 'rate', 0.02),
      p95UploadSeconds: thresholdValue(p.loadtest.thresholds, 'http_req_duration{endpoint:upload}', 'p(95)', 5000) / 1000,
      p95StatusSeconds: thresholdValue(p.loadtest.thresholds, 'http_req_duration{endpoint:status}', 'p(95)', 1000) / 1000,
      jobFailureRatio: 0.05,
      // A job waiting longer than two job timeouts (at least 5 minutes) means workers are not keeping up.
      oldestWaitingSeconds: Math.max(300, 2 * jobTimeoutSeconds),
      pgConnectionsRatio: 0.8,
      pgLongTransactionSeconds: 300,
      redisMemoryRatio: 0.9,
      diskFreeRatio: 0.1,
      backupMaxAgeSeconds: backupMaxAgeSeconds(p.backup.schedule),
      tlsExpiryDays: 14,
    },
    walArchive: p.backup.wal?.archive ? { timeoutSeconds: parseDuration(p.backup.wal.archive_timeout) / 1000, lagSeconds: (p.backup.wal.lag_alert_factor * parseDuration(p.backup.wal.archive_timeout)) / 1000 } : null,
  };
}

function replicaCount(plan: StackPlan, name: 'api' | 'worker', fallback: number): number {
  return plan.services.find((s) => s.name === name)?.replicas ?? fallback;
}

/** Reads `p(95)<5000` / `rate<0.02` for one key of the profile's k6 thresholds. */
export function thresholdValue(thresholds: Record<string, string[]>, key: string, aggregate: string, fallback: number): number {
  for (const expr of thresholds[key] ?? []) {
    const m = /^\s*([a-z]+(?:\(\d+(?:\.\d+)?\))?)\s*(<=|<)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(expr);
    if (m && m[1] === aggregate) return Number(m[3]);
  }
  return fallback;
}

/** The longest gap between two scheduled runs (over the next week) plus slack: a quarter of it, at least an hour. */
export function backupMaxAgeSeconds(schedule: string): number {
  let gap = 86_400;
  try {
    const it = CronExpressionParser.parse(schedule, { currentDate: new Date(Date.UTC(2026, 0, 5)), tz: 'UTC' });
    let prev = it.next().getTime();
    gap = 0;
    for (let i = 0; i < 14; i++) {
      const next = it.next().getTime();
      gap = Math.max(gap, (next - prev) / 1000);
      prev = next;
    }
  } catch {
    // The profile loader validates the schedule; an unparsable one falls back to daily.
  }
  return Math.round(gap + Math.max(3600, gap / 4));
}

/** Prometheus duration for a possibly fractional number of seconds: 15s, 500ms. */
export function formatPromSeconds(seconds: number): string {
  return Number.isInteger(seconds) ? formatSeconds(seconds) : `${Math.round(seconds * 1000)}ms`;
}

export function formatSeconds(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
