// The services of `prodctl status` as a table: one row per plan service with replicas, health,
// ports, uptime, restarts and (for the workers) the queue depth, columns padded so the plain
// print and the live view line up. Pure.
import { formatDuration } from '../../lib/output.js';
import type { ServiceStatus } from '../../targets/types.js';
import type { Row, Tone } from './rows.js';
import type { StatusSnapshot } from './snapshot.js';

const NA = '—';
export const SERVICE_COLUMNS = ['replicas', 'health', 'ports', 'uptime', 'restarts', 'queue'] as const;

const countHealthy = (svc: ServiceStatus) => svc.replicas.filter((r) => r.healthy === true).length;
const countRunning = (svc: ServiceStatus) => svc.replicas.filter((r) => r.state === 'running').length;

/** `healthy` when every desired replica is; otherwise what the others are doing (`1 crashed`). */
export function describeHealth(svc: ServiceStatus): string {
  const healthy = countHealthy(svc);
  if (svc.replicas.length === 0) return svc.desired === 0 ? NA : 'down';
  const others = new Map<string, number>();
  for (const r of svc.replicas) {
    if (r.healthy === true) continue;
    const what = r.state === 'running' ? (r.healthy === null ? 'unprobed' : 'unhealthy') : r.state;
    others.set(what, (others.get(what) ?? 0) + 1);
  }
  const rest = [...others].map(([what, n]) => `${n} ${what}`).join(', ');
  if (healthy >= svc.desired && !rest) return 'healthy';
  return rest || `${healthy}/${svc.desired} healthy`;
}

/** Addresses grouped by host: `127.0.0.1:41001,41003`. */
export function describePorts(addresses: string[]): string {
  const byHost = new Map<string, string[]>();
  for (const a of addresses) {
    const i = a.lastIndexOf(':');
    const host = i < 0 ? a : a.slice(0, i);
    const port = i < 0 ? '' : a.slice(i + 1);
    byHost.set(host, [...(byHost.get(host) ?? []), port]);
  }
  return [...byHost].map(([host, ports]) => `${host}:${ports.filter(Boolean).join(',')}`).join(' ') || NA;
}

function queueOf(svc: ServiceStatus, s: StatusSnapshot): string {
  if (svc.name !== 'worker') return '';
  if (!s.prometheus.reachable || s.queue.waiting === null) return NA;
  return `${s.queue.waiting} waiting, ${s.queue.active ?? 0} active`;
}

function toneOf(svc: ServiceStatus): Tone {
  return countHealthy(svc) >= svc.desired ? 'ok' : countRunning(svc) > 0 ? 'warn' : 'bad';
}

function cellsOf(svc: ServiceStatus, s: StatusSnapshot): string[] {
  const uptimes = svc.replicas.map((r) => r.uptimeMs).filter((u): u is number => u !== undefined);
  return [
    `${countRunning(svc)}/${svc.desired}`,
    describeHealth(svc),
    describePorts(svc.replicas.map((r) => r.address).filter((a): a is string => Boolean(a))),
    // The youngest replica: what a restart or a deploy reset last.
    uptimes.length ? formatDuration(Math.min(...uptimes)) : NA,
    String(svc.replicas.reduce((n, r) => n + r.restarts, 0)),
    queueOf(svc, s),
  ];
}

/** A header row, then one row per service; skipped services say why instead of columns. */
export function formatServiceRows(s: StatusSnapshot, services: ServiceStatus[]): Row[] {
  const table = services.filter((x) => !x.skipped).map((svc) => ({ svc, cells: cellsOf(svc, s) }));
  const widths = SERVICE_COLUMNS.map((h, i) => Math.max(h.length, ...table.map((t) => t.cells[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const rows: Row[] = [{ label: 'service', value: line(SERVICE_COLUMNS), tone: 'dim' }];
  for (const svc of services) {
    if (svc.skipped) {
      rows.push({ label: svc.name, value: `skipped (${svc.skipped})`, tone: 'dim' });
      continue;
    }
    rows.push({ label: svc.name, value: line(table.find((t) => t.svc === svc)!.cells), tone: toneOf(svc) });
  }
  return rows;
}
