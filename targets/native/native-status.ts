// `status` on the native target: every plan service with its processes (from the supervisor),
// their health (probed now), ports, uptime and restarts.
import { AUTOSCALER_HEALTH_PATH } from '../../plan/autoscale-service.js';
import type { ServiceName } from '../../plan/types.js';
import { readNativeState, type NativeState } from '../../state/native-state.js';
import type { ReplicaStatus, ServiceStatus, StackStatus, TargetContext } from '../types.js';
import { endpointsOf } from './native-edge.js';
import { resolveNativeEnv, type NativeEnv } from './native-context.js';
import { LOOPBACK } from './process-specs.js';
import { apiProbe, probeOnce, workerProbe, type Probe } from './readiness.js';
import { findSupervisor } from './supervisor/supervisor-client.js';
import type { ProcessStatus } from './supervisor/types.js';

/** Where each process answers, by process id; the edge's address is its public listener. */
export function probeFor(s: NativeState, id: string, edgeBind = LOOPBACK): { probe: Probe; address: string } | null {
  const p = s.ports;
  const at = (port: number) => `${LOOPBACK}:${port}`;
  const api = s.api.find((r) => r.id === id);
  if (api) return { probe: apiProbe(api.port), address: at(api.port) };
  const w = s.workers.find((x) => x.id === id);
  if (w) return { probe: workerProbe(w.metricsPort), address: at(w.metricsPort) };
  const http = (port: number, path: string) => ({ probe: { kind: 'http' as const, url: `http://${at(port)}${path}` }, address: at(port) });
  switch (id) {
    case 'postgres':
      return { probe: { kind: 'tcp', port: p.postgres }, address: at(p.postgres) };
    case 'redis':
      return { probe: { kind: 'tcp', port: p.redis }, address: at(p.redis) };
    case 'edge':
      return { probe: { kind: 'http', url: `http://${at(p.edgeMetrics)}/healthz` }, address: `${edgeBind}:${p.edge}` };
    case 'prometheus':
      return http(p.prometheus, '/-/ready');
    case 'alertmanager':
      return http(p.alertmanager, '/-/ready');
    case 'postgres-exporter':
      return http(p.postgresExporter, '/metrics');
    case 'redis-exporter':
      return http(p.redisExporter, '/metrics');
    case 'node-exporter':
      return http(p.nodeExporter, '/metrics');
    case 'blackbox-exporter':
      return p.blackboxExporter ? http(p.blackboxExporter, '/-/healthy') : null;
    case 'autoscaler':
      return p.autoscaler ? http(p.autoscaler, AUTOSCALER_HEALTH_PATH) : null;
    default:
      return null;
  }
}

async function replicaOf(env: NativeEnv, s: NativeState, proc: ProcessStatus): Promise<ReplicaStatus> {
  const where = probeFor(s, proc.id, env.plan.profile.edge.bind);
  const healthy = proc.state === 'running' && where ? await probeOnce(where.probe, 1_500) : proc.state === 'running' ? null : false;
  const state: ReplicaStatus['state'] = proc.state === 'running' ? (healthy === false ? 'unhealthy' : 'running') : proc.state === 'backoff' ? 'crashed' : proc.state === 'stopping' ? 'draining' : 'stopped';
  return {
    id: proc.id,
    state,
    healthy,
    pid: proc.pid,
    address: where?.address,
    uptimeMs: proc.state === 'running' && proc.startedAt ? Date.now() - proc.startedAt : undefined,
    restarts: proc.restarts,
    version: proc.service === 'api' || proc.service === 'worker' ? s.release.version : undefined,
  };
}

export async function nativeStatus(ctx: TargetContext): Promise<StackStatus> {
  const env: NativeEnv = resolveNativeEnv(ctx);
  const state = readNativeState(env.paths.stateFile);
  const sup = await findSupervisor(ctx.stateDir);
  const procs = sup ? await sup.status() : [];
  const services: ServiceStatus[] = [];
  for (const svc of env.plan.services) {
    const skipped = env.skipped.has(svc.name) ? (env.bins.skipped[svc.name as keyof typeof env.bins.skipped] ?? 'not available on the native target') : undefined;
    const mine = procs.filter((p) => p.service === svc.name);
    const replicas = state ? await Promise.all(mine.map((p) => replicaOf(env, state, p))) : [];
    services.push({ name: svc.name as ServiceName, desired: skipped ? 0 : svc.replicas, ...(skipped ? { skipped } : {}), replicas });
  }
  const urls: Record<string, string> = {};
  if (state) {
    const e = endpointsOf(env, state);
    if (e.edge) urls.api = `http://${e.edge.host}:${e.edge.port}`;
    if (e.prometheus) urls.prometheus = e.prometheus.url;
    if (e.alertmanager) urls.alertmanager = e.alertmanager.url;
  }
  return { target: 'native', project: env.plan.project, release: state?.release.version, services, urls };
}
