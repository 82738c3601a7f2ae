// The profile's `capacity` section with its defaults filled in: the workload model of one user
// (from the seed's mixed load-test scenario), the utilisation to size for, and the price table.
import type { Profile } from '../profile/schema.js';
import { parseSize } from '../profile/units.js';

export interface WorkloadModel {
  /** Requests one user sends per minute: the mixed scenario's 1 s think time gives 60. */
  requestsPerUserPerMinute: number;
  /** Uploads (each a job) per user per hour: 5 % of 60 requests a minute gives 180. */
  uploadsPerUserPerHour: number;
  /** Status polls each job costs on top (the scenario polls every 500 ms until the job ends). */
  statusPollsPerJob: number;
  pagesPerJob: number;
  jobOp: string;
}

export interface NodeType {
  name: string;
  cpus: number;
  memoryBytes: number;
  /** Monthly price range of one node, all-in, in the price table's currency. */
  monthly: [number, number];
}

export interface CapacitySettings {
  workload: WorkloadModel;
  /** Busy share of a core to size for; the rest is headroom for bursts. */
  targetUtilization: number;
  /** CPU and memory each node keeps for the OS, the edge and the exporters. */
  nodeReserve: { cpus: number; memoryBytes: number };
  currency: string;
  nodes: NodeType[];
  /** Monthly items on top of the nodes (backup storage, a load balancer for several nodes, …). */
  extras: { name: string; monthly: [number, number]; multiNodeOnly: boolean }[];
}

// The seed's three server types with its own all-in monthly ranges (small $75–130 for 2 CPU/4 GB,
// medium $320–600 for 4 CPU/16 GB). The seed prices no single server of its large tier: the 8 CPU/
// 32 GB node of the large preset is priced at twice the medium, an assumption. Edit them for your
// provider: they price the sizing, they do not change it.
export const DEFAULT_NODES: NodeType[] = [
  { name: 'small', cpus: 2, memoryBytes: 4 * 1024 ** 3, monthly: [75, 130] },
  { name: 'medium', cpus: 4, memoryBytes: 16 * 1024 ** 3, monthly: [320, 600] },
  { name: 'large', cpus: 8, memoryBytes: 32 * 1024 ** 3, monthly: [640, 1200] },
];

export const DEFAULT_WORKLOAD: WorkloadModel = { requestsPerUserPerMinute: 60, uploadsPerUserPerHour: 180, statusPollsPerJob: 2, pagesPerJob: 3, jobOp: 'info' };

export function resolveCapacitySettings(profile: Pick<Profile, 'capacity'>): CapacitySettings {
  const c = profile.capacity ?? {};
  const w = c.workload ?? {};
  return {
    workload: {
      requestsPerUserPerMinute: w.requests_per_user_per_minute ?? DEFAULT_WORKLOAD.requestsPerUserPerMinute,
      uploadsPerUserPerHour: w.uploads_per_user_per_hour ?? DEFAULT_WORKLOAD.uploadsPerUserPerHour,
      statusPollsPerJob: w.status_polls_per_job ?? DEFAULT_WORKLOAD.statusPollsPerJob,
      pagesPerJob: w.pages_per_job ?? DEFAULT_WORKLOAD.pagesPerJob,
      jobOp: w.job_op ?? DEFAULT_WORKLOAD.jobOp,
    },
    targetUtilization: c.target_utilization ?? 0.7,
    nodeReserve: { cpus: c.node_reserve?.cpus ?? 0.25, memoryBytes: parseSize(c.node_reserve?.memory ?? '1G') },
    currency: c.prices?.currency ?? 'USD',
    nodes: c.prices?.nodes?.map((n) => ({ name: n.name, cpus: n.cpus, memoryBytes: parseSize(n.memory), monthly: [n.monthly.low, n.monthly.high] })) ?? DEFAULT_NODES,
    extras: c.prices?.extras?.map((e) => ({ name: e.name, monthly: [e.monthly.low, e.monthly.high] as [number, number], multiNodeOnly: e.multi_node_only ?? false })) ?? [],
  };
}
