// Which Prometheus jobs exist and where their targets live. Docker and Swarm find replicas by
// service DNS name; the native target picks ports at `up` time and writes file_sd target files
// (prometheus/targets/<job>.json) that these jobs read. Pure.
import { METRICS_PATH } from '../../contract/index.js';
import type { ServiceName, StackPlan } from '../../plan/types.js';

export const SCRAPE_JOBS = ['prometheus', 'alertmanager', 'api', 'worker', 'postgres', 'redis', 'node', 'edge', 'autoscaler'] as const;
export type ScrapeJob = (typeof SCRAPE_JOBS)[number];

/** Folder (relative to prometheus.yml) holding the native target's file_sd files. */
export const NATIVE_TARGETS_DIR = 'targets';

export interface ScrapeJobSpec {
  job: ScrapeJob;
  service: ServiceName;
  port: number;
  metricsPath: string;
}

// Default ports of the exporters and the edge's metrics listener when the plan names none.
const DEFAULT_PORTS: Record<ScrapeJob, number> = {
  prometheus: 9090,
  alertmanager: 9093,
  api: 9464,
  worker: 9465,
  postgres: 9187,
  redis: 9121,
  node: 9100,
  edge: 8405,
  autoscaler: 9466,
};

const SERVICE_OF: Record<ScrapeJob, ServiceName> = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  api: 'api',
  worker: 'worker',
  postgres: 'postgres-exporter',
  redis: 'redis-exporter',
  node: 'node-exporter',
  edge: 'edge',
  autoscaler: 'autoscaler',
};

export function listScrapeJobs(plan: StackPlan): ScrapeJobSpec[] {
  const p = plan.profile;
  const profilePorts: Partial<Record<ScrapeJob, number>> = {
    prometheus: p.monitoring.prometheus_port,
    alertmanager: p.monitoring.alertmanager_port,
    api: p.api.metrics_port,
    worker: p.workers.metrics_port,
    // Traefik serves metrics on its own entry point; HAProxy on a prometheus-exporter frontend.
    edge: p.edge.kind === 'traefik' ? 8082 : 8405,
  };
  // The autoscaler is a job only where the plan runs it as a service (docs/autoscale.md).
  const jobs = SCRAPE_JOBS.filter((job) => job !== 'autoscaler' || plan.services.some((s) => s.name === 'autoscaler'));
  return jobs.map((job) => {
    const service = SERVICE_OF[job];
    const port = metricsPortOf(plan, service) ?? profilePorts[job] ?? DEFAULT_PORTS[job];
    return { job, service, port, metricsPath: METRICS_PATH };
  });
}

function metricsPortOf(plan: StackPlan, service: ServiceName): number | undefined {
  const s = plan.services.find((x) => x.name === service);
  return s?.ports.find((x) => x.name === 'metrics')?.port;
}

/** One scrape_config (or alertmanager config) entry's service discovery for the target kind. */
export function discoveryFor(plan: StackPlan, spec: ScrapeJobSpec, refreshInterval: string): Record<string, unknown> {
  if (plan.target === 'native') {
    return { file_sd_configs: [{ files: [`${NATIVE_TARGETS_DIR}/${spec.job}.json`], refresh_interval: refreshInterval }] };
  }
  if (spec.job === 'prometheus') return { static_configs: [{ targets: [`localhost:${spec.port}`] }] };
  // Swarm's per-task records live under tasks.<service>; compose's service name resolves to every replica.
  const name = plan.target === 'swarm' ? `tasks.${spec.service}` : spec.service;
  return { dns_sd_configs: [{ names: [name], type: 'A', port: spec.port, refresh_interval: refreshInterval }] };
}
