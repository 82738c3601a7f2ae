// `prodctl status` on Swarm: the nodes (availability, state, role) and each service's tasks with
// the node they run on, plus any rolling update in progress. Read from the manager only.
import type Docker from 'dockerode';
import type { ReplicaStatus, StackStatus, TargetContext } from '../types.js';
import { LABEL } from '../../engine/labels.js';
import { findService, listTasks, type TaskInfo } from './converge-service.js';
import { swarmName } from './service-spec.js';

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean };
}

function replicaState(t: TaskInfo): ReplicaStatus['state'] {
  const s = t.Status?.State ?? '';
  if (s === 'running') return 'running';
  if (['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting'].includes(s)) return 'starting';
  if (s === 'failed' || s === 'rejected') return 'crashed';
  return 'stopped';
}

export async function readSwarmStatus(docker: Docker, ctx: TargetContext, desired: Record<string, number>): Promise<StackStatus> {
  const nodes = (await docker.listNodes()) as NodeInfo[];
  const hostOf = new Map(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
  const services = [];
  let release: string | undefined;
  for (const s of ctx.plan.services) {
    const svc = await findService(docker, swarmName(ctx.plan.project, s.name));
    if (!svc) {
      services.push({ name: s.name, desired: desired[s.name] ?? s.replicas, replicas: [] });
      continue;
    }
    if (s.name === 'api') release = svc.Spec.Labels?.[LABEL.release];
    const tasks = (await listTasks(docker, svc.ID)).filter((t) => t.DesiredState === 'running' || t.Status?.State === 'running');
    const u = svc.UpdateStatus;
    services.push({
      name: s.name,
      desired: svc.Spec.Mode?.Replicated?.Replicas ?? tasks.length,
      update: u?.State ? { state: u.State, message: u.Message ?? '', startedAt: u.StartedAt } : undefined,
      replicas: tasks.map((t) => ({
        id: `${s.name}.${t.Slot ?? t.NodeID?.slice(0, 6)}`,
        containerId: t.ID.slice(0, 12),
        node: hostOf.get(t.NodeID ?? '') ?? t.NodeID,
        state: replicaState(t),
        healthy: t.Status?.State === 'running' ? true : null,
        restarts: 0,
        version: t.Spec?.ContainerSpec?.Image,
        error: t.Status?.Err,
      })),
    });
  }
  return {
    target: 'swarm',
    project: ctx.plan.project,
    release,
    nodes: nodes.map((n) => ({
      id: n.ID.slice(0, 12),
      hostname: n.Description?.Hostname ?? n.ID,
      role: n.Spec?.Role ?? '?',
      leader: n.ManagerStatus?.Leader === true,
      availability: n.Spec?.Availability ?? '?',
      state: n.Status?.State ?? '?',
      address: n.Status?.Addr,
      labels: Object.fromEntries(Object.entries(n.Spec?.Labels ?? {}).filter(([k]) => k.startsWith('prodctl.'))),
    })),
    services,
    urls: {},
  };
}
