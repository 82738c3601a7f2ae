// The drill scenarios as data: what each one breaks, how it recovers, which alerts must reach
// Alertmanager, and the bounds its report is judged by. Pure.
import { BURN_ALERT_NAMES } from '../../templates/monitoring/slo-model.js';

export type ScenarioName = 'postgres-restart' | 'redis-restart' | 'worker-crash' | 'bad-deploy' | 'disk-pressure';

export interface ScenarioSpec {
  name: ScenarioName;
  summary: string;
  /** What breaks: a supervised service held down, one worker killed with SIGKILL, or a never-healthy release deployed. */
  fault: { kind: 'hold-down'; service: 'postgres' | 'redis' } | { kind: 'kill'; service: 'worker' } | { kind: 'bad-deploy'; service: 'api' } | { kind: 'fill-disk'; service: 'data-volume' };
  /** Alerts that must fire during the fault and resolve after it (by alertname). */
  alerts: string[];
  /** Share of the load's requests that may fail over the whole drill. */
  maxErrorRatio: number;
  /** Recovery-time objective: from the recovery action to the first good answer, seconds. */
  rtoSeconds: number;
}

export const SCENARIOS: Record<ScenarioName, ScenarioSpec> = {
  'postgres-restart': {
    name: 'postgres-restart',
    summary: 'Postgres stopped under load until the availability page fires, then brought back with `up`',
    fault: { kind: 'hold-down', service: 'postgres' },
    // The page users feel. (PostgresDown cannot fire: with Postgres down the exporter's scrape outlasts the scrape
    // timeout, so pg_up has no sample and the rule's `for:` keeps resetting; see docs/drills.md.)
    alerts: [BURN_ALERT_NAMES.page_fast],
    maxErrorRatio: 0.5,
    rtoSeconds: 60,
  },
  'redis-restart': {
    name: 'redis-restart',
    summary: 'Redis stopped under load until the availability page fires, then brought back with `up`',
    fault: { kind: 'hold-down', service: 'redis' },
    alerts: [BURN_ALERT_NAMES.page_fast],
    maxErrorRatio: 0.5,
    rtoSeconds: 60,
  },
  'worker-crash': {
    name: 'worker-crash',
    summary: 'one worker killed with SIGKILL while jobs are in flight; the supervisor restarts it',
    fault: { kind: 'kill', service: 'worker' },
    // A crashed worker restarts in about a second: too short for any alert's `for:`. The invariants are the test.
    alerts: [],
    maxErrorRatio: 0.02,
    rtoSeconds: 30,
  },
  'bad-deploy': {
    name: 'bad-deploy',
    summary: 'a release whose /readyz never passes deployed under load; the health gate must refuse it and the old release keep serving',
    fault: { kind: 'bad-deploy', service: 'api' },
    // No alert is right: users see nothing, since the new replica never enters the edge. The evidence is the
    // deploy's own refusal and the release still running, checked as an invariant of the report.
    alerts: [],
    maxErrorRatio: 0.02,
    rtoSeconds: 30,
  },
  'disk-pressure': {
    name: 'disk-pressure',
    summary: 'a bounded scratch file fills the data volume below the disk alert\'s free-space threshold, then is removed',
    fault: { kind: 'fill-disk', service: 'data-volume' },
    // Matched on the data volume's mount point, so another full disk of the host cannot stand in for it.
    alerts: ['HostDiskFilling'],
    maxErrorRatio: 0.02,
    rtoSeconds: 30,
  },
};

export function findScenario(name: string): ScenarioSpec | undefined {
  return (SCENARIOS as Record<string, ScenarioSpec>)[name];
}
