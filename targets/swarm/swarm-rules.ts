// Pure checks of a plan against Swarm before anything is touched: shared state across nodes, and
// whether each task's limits fit the nodes it may land on.
import { ConfigError } from '../../lib/errors.js';
import type { StackPlan } from '../../plan/types.js';

/** Uploads on one node's disk cannot serve api and worker replicas on several nodes. */
export function refuseLocalStorageOnManyNodes(plan: StackPlan): void {
  const nodes = plan.profile.host.nodes;
  const kind = plan.profile.storage.kind ?? 'local';
  if (plan.target === 'swarm' && nodes > 1 && kind === 'local') {
    throw new ConfigError(
      `storage.kind: local keeps uploads and results on one node's disk, but target swarm runs api and worker replicas on host.nodes: ${nodes} nodes`,
      'set storage.kind: s3 (shared object storage), or host.nodes: 1 to keep api and workers on the node labelled role=data',
    );
  }
}

/** True when the app services must stay on the data node (their uploads volume is local to it). */
export function pinsAppToData(plan: StackPlan): boolean {
  return (plan.profile.storage.kind ?? 'local') === 'local';
}

export interface NodeCapacity {
  hostname: string;
  nanoCpus: number;
  memoryBytes: number;
}

/** Each service's per-task limits must fit at least one node: Swarm refuses (or never places) them otherwise. */
export function findOversizedServices(plan: StackPlan, nodes: NodeCapacity[]): string[] {
  const maxCpu = Math.max(0, ...nodes.map((n) => n.nanoCpus)) / 1e9;
  const maxMem = Math.max(0, ...nodes.map((n) => n.memoryBytes));
  const out: string[] = [];
  for (const s of plan.services) {
    if (s.resources.cpus > maxCpu) out.push(`${s.name}: ${s.resources.cpus} CPUs per task, the largest node has ${maxCpu}`);
    if (s.resources.memoryBytes > maxMem) out.push(`${s.name}: ${(s.resources.memoryBytes / 2 ** 30).toFixed(1)} GiB per task, the largest node has ${(maxMem / 2 ** 30).toFixed(1)} GiB`);
  }
  return out;
}
