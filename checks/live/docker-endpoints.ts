// Endpoints of a stack the Docker target runs, read from the engine: each container's address on
// its networks (reachable from the host over the bridge) plus the ports the plan gives each service.
import Docker from 'dockerode';
import type { StackPlan } from '../../plan/types.js';
import { roleOf } from '../service-view.js';
import type { StackEndpoints } from './probes.js';

export interface ContainerAddress {
  name: string;
  service: string;
  ip: string;
}

/** Pure: container addresses + plan → the endpoints live checks use. */
export function endpointsFromContainers(plan: StackPlan, containers: ContainerAddress[]): StackEndpoints {
  const p = plan.profile;
  const first = (role: string) => containers.find((c) => roleOf(c.service) === role);
  const pg = first('postgres');
  const redis = first('redis');
  const prom = first('prometheus');
  const am = first('alertmanager');
  return {
    postgres: pg ? { host: pg.ip, port: p.postgres.port } : undefined,
    redis: redis ? { host: redis.ip, port: p.redis.port } : undefined,
    api: containers.filter((c) => roleOf(c.service) === 'api').map((c) => ({ id: c.name, host: c.ip, port: p.api.port, metricsPort: p.api.metrics_port })),
    prometheus: prom ? { url: `http://${prom.ip}:${p.monitoring.prometheus_port}` } : undefined,
    alertmanager: am ? { url: `http://${am.ip}:${p.monitoring.alertmanager_port}` } : undefined,
    edge: { host: '127.0.0.1', httpPort: p.edge.http_port, httpsPort: p.edge.https_port },
  };
}

/** Running containers of the project with their first network address; null when no engine answers. */
export async function listContainerAddresses(project: string, docker = new Docker()): Promise<ContainerAddress[] | null> {
  try {
    await docker.ping();
  } catch {
    return null;
  }
  const list = await docker.listContainers({ filters: { label: [`prodctl.project=${project}`], status: ['running'] } });
  return list
    .map((c) => ({
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      service: c.Labels['prodctl.service'] ?? '',
      ip: Object.values(c.NetworkSettings?.Networks ?? {}).map((n) => n.IPAddress).find(Boolean) ?? '',
    }))
    .filter((c) => c.ip && c.service);
}
