// Every check prodctl knows, in report order. Ids are stable: never renumber, only add.
import { datastoreLiveChecks } from './live/datastore-live.js';
import { hostLiveChecks } from './live/host-live.js';
import { probeLiveChecks } from './live/probe-live.js';
import { serviceLiveChecks } from './live/service-live.js';
import { tlsLiveChecks } from './live/tls-live.js';
import { appChecks } from './static/app-checks.js';
import { backupChecks } from './static/backup-checks.js';
import { containerChecks } from './static/container-checks.js';
import { datastoreChecks } from './static/datastore-checks.js';
import { edgeChecks } from './static/edge-checks.js';
import { monitoringChecks } from './static/monitoring-checks.js';
import { sloChecks } from './static/slo-checks.js';
import type { Check, LiveCheck, StaticCheck } from './types.js';

export const STATIC_CHECKS: StaticCheck[] = [...containerChecks, ...edgeChecks, ...datastoreChecks, ...appChecks, ...monitoringChecks, ...backupChecks, ...sloChecks];
export const LIVE_CHECKS: LiveCheck[] = [...datastoreLiveChecks, ...serviceLiveChecks, ...hostLiveChecks, ...tlsLiveChecks, ...probeLiveChecks];
export const ALL_CHECKS: Check[] = [...STATIC_CHECKS, ...LIVE_CHECKS];

export function findCheck(id: string): Check | undefined {
  return ALL_CHECKS.find((c) => c.id === id.toUpperCase());
}
