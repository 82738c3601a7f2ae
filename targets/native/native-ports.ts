// Ports and replica ids of the native stack: picked once, kept in the state so restarts and a
// second `up` find everything where it was. Picked below the kernel's ephemeral range
// (pickServicePort), where no outgoing connection can be holding one when its service restarts.
import type { StackPlan } from '../../plan/types.js';
import { isPortFree, pickServicePort } from '../../lib/net.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import type { NativePorts, NativeReplica, NativeState, NativeWorker } from '../../state/native-state.js';

/**
 * Every port the state gives out, plus `pending` ones of replicas made but not in the state yet,
 * so a new pick never hands one out twice.
 */
export function portsInState(state: Pick<NativeState, 'ports' | 'api' | 'workers'>, pending: number[] = []): Set<number> {
  return new Set([...Object.values(state.ports), ...state.api.flatMap((a) => [a.port, a.metricsPort]), ...state.workers.map((w) => w.metricsPort), ...pending]);
}

async function pickPort(taken: Set<number>, host = '127.0.0.1'): Promise<number> {
  const port = await pickServicePort(host, taken);
  taken.add(port);
  return port;
}

/** The profile's edge port (http or https), unless it is privileged (native never binds below 1024) or taken. */
export async function pickEdgePort(plan: StackPlan, which: 'http' | 'https' = 'http', taken: Set<number> = new Set()): Promise<{ port: number; note?: string }> {
  const wanted = which === 'http' ? plan.profile.edge.http_port : plan.profile.edge.https_port;
  const host = plan.profile.edge.bind;
  const key = `edge.${which}_port`;
  if (wanted < 1024) {
    const port = await pickServicePort(host, taken);
    return { port, note: `${key} ${wanted} is privileged; the native edge listens on ${port} instead (set ${key} ≥ 1024 to pin it)` };
  }
  if (!taken.has(wanted) && (await isPortFree(wanted, host))) return { port: wanted };
  const port = await pickServicePort(host, taken);
  return { port, note: `${key} ${wanted} is in use; the native edge listens on ${port} instead` };
}

/** The HTTPS port, only when the edge terminates TLS. */
async function pickHttpsPort(plan: StackPlan, taken: Set<number>): Promise<{ port?: number; note?: string }> {
  if (!tlsSettings(plan.profile).enabled) return {};
  const https = await pickEdgePort(plan, 'https', taken);
  taken.add(https.port);
  return https;
}

async function pickPorts(plan: StackPlan): Promise<{ ports: NativePorts; notes: string[] }> {
  const edge = await pickEdgePort(plan);
  const taken = new Set([edge.port]);
  const https = await pickHttpsPort(plan, taken);
  const free = () => pickPort(taken);
  const ports: NativePorts = {
    ...(https.port ? { edgeHttps: https.port } : {}),
    postgres: await free(),
    redis: await free(),
    edge: edge.port,
    edgeMetrics: await free(),
    prometheus: await free(),
    alertmanager: await free(),
    postgresExporter: await free(),
    redisExporter: await free(),
    nodeExporter: await free(),
    blackboxExporter: await free(),
  };
  return { ports, notes: [edge.note, https.note].filter((n): n is string => Boolean(n)) };
}

type ReplicaState = Pick<NativeState, 'seq' | 'ports' | 'api' | 'workers'>;

/** `pending`: ports of replicas made but not in the state yet (a rollout starts them all first). */
export async function newApiReplica(state: ReplicaState, pending: number[] = []): Promise<NativeReplica> {
  const taken = portsInState(state, pending);
  return { id: `api-${state.seq++}`, port: await pickPort(taken), metricsPort: await pickPort(taken) };
}

export async function newWorker(state: ReplicaState, pending: number[] = []): Promise<NativeWorker> {
  return { id: `worker-${state.seq++}`, metricsPort: await pickPort(portsInState(state, pending)) };
}

/** The state for this `up`: the previous one with replica counts matched to the plan, or a new one. */
export async function planNativeState(prev: NativeState | null, plan: StackPlan, release: NativeState['release']): Promise<{ state: NativeState; notes: string[] }> {
  const notes: string[] = [];
  let state: NativeState;
  if (prev) {
    state = structuredClone(prev);
    if (!state.ports.edgeHttps) {
      const https = await pickHttpsPort(plan, portsInState(state));
      if (https.port) state.ports.edgeHttps = https.port;
      if (https.note) notes.push(https.note);
    }
    if (!state.ports.blackboxExporter) state.ports.blackboxExporter = await pickPort(portsInState(state));
  } else {
    const picked = await pickPorts(plan);
    notes.push(...picked.notes);
    state = { version: 1, ports: picked.ports, release, api: [], workers: [], seq: 1 };
  }
  // Picked once and kept, even when the autoscaler is turned off and on again.
  if (plan.services.some((s) => s.name === 'autoscaler') && !state.ports.autoscaler) state.ports.autoscaler = await pickPort(portsInState(state));
  const want = (name: 'api' | 'worker') => plan.services.find((s) => s.name === name)?.replicas ?? 0;
  while (state.api.length < want('api')) state.api.push(await newApiReplica(state));
  state.api = state.api.slice(0, want('api'));
  while (state.workers.length < want('worker')) state.workers.push(await newWorker(state));
  state.workers = state.workers.slice(0, want('worker'));
  return { state, notes };
}
