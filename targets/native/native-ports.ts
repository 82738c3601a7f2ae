// Ports and replica ids of the native stack: picked once, kept in the state so restarts and a
// second `up` find everything where it was.
import net from 'node:net';
import type { StackPlan } from '../../plan/types.js';
import { getFreePort } from '../../lib/net.js';
import type { NativePorts, NativeReplica, NativeState, NativeWorker } from '../../state/native-state.js';

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The profile's edge port, unless it is privileged (native never binds below 1024) or taken. */
export async function pickEdgePort(plan: StackPlan): Promise<{ port: number; note?: string }> {
  const wanted = plan.profile.edge.http_port;
  const host = plan.profile.edge.bind;
  if (wanted < 1024) {
    const port = await getFreePort(host);
    return { port, note: `edge.http_port ${wanted} is privileged; the native edge listens on ${port} instead (set edge.http_port ≥ 1024 to pin it)` };
  }
  if (await portIsFree(wanted, host)) return { port: wanted };
  const port = await getFreePort(host);
  return { port, note: `edge.http_port ${wanted} is in use; the native edge listens on ${port} instead` };
}

async function pickPorts(plan: StackPlan): Promise<{ ports: NativePorts; notes: string[] }> {
  const edge = await pickEdgePort(plan);
  const free = () => getFreePort('127.0.0.1');
  const ports: NativePorts = {
    postgres: await free(),
    redis: await free(),
    edge: edge.port,
    edgeMetrics: await free(),
    prometheus: await free(),
    alertmanager: await free(),
    postgresExporter: await free(),
    redisExporter: await free(),
    nodeExporter: await free(),
  };
  return { ports, notes: edge.note ? [edge.note] : [] };
}

export async function newApiReplica(state: Pick<NativeState, 'seq'>): Promise<NativeReplica> {
  return { id: `api-${state.seq++}`, port: await getFreePort(), metricsPort: await getFreePort() };
}

export async function newWorker(state: Pick<NativeState, 'seq'>): Promise<NativeWorker> {
  return { id: `worker-${state.seq++}`, metricsPort: await getFreePort() };
}

/** The state for this `up`: the previous one with replica counts matched to the plan, or a new one. */
export async function planNativeState(prev: NativeState | null, plan: StackPlan, release: NativeState['release']): Promise<{ state: NativeState; notes: string[] }> {
  const notes: string[] = [];
  let state: NativeState;
  if (prev) {
    state = structuredClone(prev);
  } else {
    const picked = await pickPorts(plan);
    notes.push(...picked.notes);
    state = { version: 1, ports: picked.ports, release, api: [], workers: [], seq: 1 };
  }
  const want = (name: 'api' | 'worker') => plan.services.find((s) => s.name === name)?.replicas ?? 0;
  while (state.api.length < want('api')) state.api.push(await newApiReplica(state));
  state.api = state.api.slice(0, want('api'));
  while (state.workers.length < want('worker')) state.workers.push(await newWorker(state));
  state.workers = state.workers.slice(0, want('worker'));
  return { state, notes };
}
