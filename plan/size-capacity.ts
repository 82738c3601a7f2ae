// `prodctl plan --users N`: workload → demand → cores per service from the measured per-core rates
// of a capacity record → replicas, nodes, bottleneck, headroom and a monthly cost range. Pure.
import type { CapacityRecord } from './capacity-record.js';
import { pickWorkerRate } from './capacity-record.js';
import type { CapacitySettings, NodeType, WorkloadModel } from './capacity-settings.js';

export interface DemandInput {
  users?: number;
  rps?: number;
  jobsPerMinute?: number;
}

/** Steady load on the stack, per second. */
export interface Demand {
  users: number;
  status: number;
  upload: number;
  job: number;
  jobs: number;
  requests: number;
}

/** One user's load per second under the workload model. */
function perUser(w: WorkloadModel): { status: number; upload: number; requests: number } {
  const actions = w.requestsPerUserPerMinute / 60;
  const upload = Math.min(w.uploadsPerUserPerHour / 3600, actions);
  // An upload action is an upload, a job creation and the job's status polls; the rest are status checks.
  const status = actions - upload + upload * w.statusPollsPerJob;
  return { status, upload, requests: status + 2 * upload };
}

/** Users from --users, else --rps, else --jobs-per-minute; --jobs-per-minute overrides the job rate. */
export function computeDemand(w: WorkloadModel, input: DemandInput): Demand {
  const one = perUser(w);
  const users =
    input.users ?? (input.rps !== undefined ? input.rps / one.requests : input.jobsPerMinute !== undefined && one.upload > 0 ? input.jobsPerMinute / 60 / one.upload : undefined);
  if (users === undefined) throw new Error('give --users, --rps or --jobs-per-minute');
  const jobs = input.jobsPerMinute !== undefined ? input.jobsPerMinute / 60 : users * one.upload;
  const status = users * one.status;
  return { users, status, upload: jobs, job: jobs, jobs, requests: status + 2 * jobs };
}

export interface ServiceShapes {
  api: { cpus: number; memoryBytes: number };
  worker: { cpus: number; memoryBytes: number };
  /** Services that run once whatever the load (Postgres, Redis, edge, monitoring): their memory. */
  fixed: { name: string; memoryBytes: number }[];
}

export interface ServiceSize {
  name: 'api' | 'worker' | 'postgres' | 'redis';
  /** Cores the demand keeps busy, from the record's per-core rates. */
  loadCores: number;
  replicas: number;
  /** What the size rests on, e.g. "status 1875 req/core-s". */
  basis: string;
}

export interface NodePlan {
  type: NodeType;
  count: number;
  /** CPU and memory the stack asks of each node (reserve included). */
  cpusPerNode: number;
  memoryPerNodeBytes: number;
}

export interface Sizing {
  demand: Demand;
  services: ServiceSize[];
  /** Cores to provide: the load over the target utilisation. */
  cpus: number;
  memoryBytes: number;
  nodes: NodePlan | undefined;
  bottleneck: { service: string; loadCores: number; share: number };
  /** Share of the chosen nodes' usable cores left free at this demand. */
  headroom: number;
  cost: { low: number; high: number; currency: string } | undefined;
  warnings: string[];
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function apiLoad(d: Demand, rec: CapacityRecord): { cores: number; basis: string[]; pgOps: number; redisOps: number } {
  let cores = 0;
  let pgOps = 0;
  let redisOps = 0;
  const basis: string[] = [];
  for (const [endpoint, rate] of [['status', d.status], ['upload', d.upload], ['job', d.job]] as const) {
    const m = rec.api[endpoint];
    if (!m) throw new Error(`the capacity record has no API rate for ${endpoint}: run \`npm run bench -- --only capacity\``);
    cores += rate / m.perCoreSecond;
    pgOps += rate * m.postgresOps;
    redisOps += rate * m.redisOps;
    basis.push(`${endpoint} ${m.perCoreSecond} req/core-s`);
  }
  return { cores, basis, pgOps, redisOps };
}

/** The load of the demand on each service, in cores. */
export function computeServiceLoads(d: Demand, rec: CapacityRecord, w: WorkloadModel, shapes: ServiceShapes, util: number): ServiceSize[] {
  const api = apiLoad(d, rec);
  const wr = pickWorkerRate(rec.worker, w.jobOp, w.pagesPerJob);
  if (!wr) throw new Error('the capacity record has no worker rates: run `npm run bench -- --only capacity`');
  const workerCores = d.jobs / wr.perCoreSecond;
  const pgCores = (api.pgOps + d.jobs * wr.postgresOps) / rec.postgres.opsPerCoreSecond;
  const redisCores = (api.redisOps + d.jobs * wr.redisOps) / rec.redis.opsPerCoreSecond;
  const replicas = (cores: number, each: number) => Math.max(1, Math.ceil(cores / (each * util) - 1e-9));
  return [
    { name: 'api', loadCores: api.cores, replicas: replicas(api.cores, shapes.api.cpus), basis: api.basis.join(', ') },
    { name: 'worker', loadCores: workerCores, replicas: replicas(workerCores, shapes.worker.cpus), basis: `${wr.op} ${wr.pages} pages ${wr.perCoreSecond} jobs/core-s` },
    { name: 'postgres', loadCores: pgCores, replicas: 1, basis: `${r3(api.pgOps / Math.max(d.requests, 1e-9))} tx/request, ${wr.postgresOps} tx/job, ${rec.postgres.opsPerCoreSecond} tx/core-s` },
    { name: 'redis', loadCores: redisCores, replicas: 1, basis: `${wr.redisOps} commands/job, ${rec.redis.opsPerCoreSecond} commands/core-s` },
  ];
}

/** The cheapest way to carry cpus and memory: one node of the smallest type that fits, else several of one type. */
export function chooseNodes(cpus: number, memoryBytes: number, largestSingle: number, s: CapacitySettings): NodePlan | undefined {
  const usableCpu = (t: NodeType) => t.cpus - s.nodeReserve.cpus;
  const usableMem = (t: NodeType) => t.memoryBytes - s.nodeReserve.memoryBytes;
  const options = s.nodes
    .filter((t) => usableCpu(t) >= largestSingle && usableCpu(t) > 0 && usableMem(t) > 0)
    .map((t) => ({ t, count: Math.max(1, Math.ceil(cpus / usableCpu(t) - 1e-9), Math.ceil(memoryBytes / usableMem(t) - 1e-9)) }))
    // One node beats several (no cross-node storage or edge), then the cheapest, then the fewest.
    .sort((a, b) => Number(a.count > 1) - Number(b.count > 1) || a.count * a.t.monthly[0] - b.count * b.t.monthly[0] || a.count - b.count);
  const best = options[0];
  if (!best) return undefined;
  return {
    type: best.t,
    count: best.count,
    cpusPerNode: r3(cpus / best.count + s.nodeReserve.cpus),
    memoryPerNodeBytes: Math.ceil(memoryBytes / best.count + s.nodeReserve.memoryBytes),
  };
}

export function sizeCapacity(input: DemandInput, rec: CapacityRecord, shapes: ServiceShapes, s: CapacitySettings): Sizing {
  const demand = computeDemand(s.workload, input);
  const services = computeServiceLoads(demand, rec, s.workload, shapes, s.targetUtilization);
  const warnings: string[] = [];
  const load = services.reduce((a, x) => a + x.loadCores, 0);
  const cpus = r3(load / s.targetUtilization);
  const replicasOf = (n: string) => services.find((x) => x.name === n)!.replicas;
  const memoryBytes = replicasOf('api') * shapes.api.memoryBytes + replicasOf('worker') * shapes.worker.memoryBytes + shapes.fixed.reduce((a, f) => a + f.memoryBytes, 0);
  // Postgres and Redis run once: each must fit on one node.
  const single = Math.max(...services.filter((x) => x.replicas === 1 && (x.name === 'postgres' || x.name === 'redis')).map((x) => x.loadCores / s.targetUtilization));
  const nodes = chooseNodes(cpus, memoryBytes, single, s);
  if (!nodes) warnings.push(`no node type in the price table has ${r3(single)} usable cores for Postgres or Redis alone: add a larger node type, or split the data store`);
  const top = [...services].sort((a, b) => b.loadCores - a.loadCores)[0];
  const usable = nodes ? nodes.count * (nodes.type.cpus - s.nodeReserve.cpus) : 0;
  let cost: Sizing['cost'];
  if (nodes) {
    const extras = s.extras.filter((e) => !e.multiNodeOnly || nodes.count > 1);
    cost = {
      low: nodes.count * nodes.type.monthly[0] + extras.reduce((a, e) => a + e.monthly[0], 0),
      high: nodes.count * nodes.type.monthly[1] + extras.reduce((a, e) => a + e.monthly[1], 0),
      currency: s.currency,
    };
  }
  return {
    demand: { users: r3(demand.users), status: r3(demand.status), upload: r3(demand.upload), job: r3(demand.job), jobs: r3(demand.jobs), requests: r3(demand.requests) },
    services: services.map((x) => ({ ...x, loadCores: r3(x.loadCores) })),
    cpus,
    memoryBytes,
    nodes,
    bottleneck: { service: top.name, loadCores: r3(top.loadCores), share: r3(load > 0 ? top.loadCores / load : 0) },
    headroom: r3(usable > 0 ? 1 - load / usable : 0),
    cost,
    warnings,
  };
}

/** The customer's plan: three tiers by concurrent users, each with a monthly cost range in USD. */
export const SEED_TIERS = [
  { name: 'small', users: [100, 500], monthly: [75, 130], shape: '1 server, 2 CPU / 4 GB' },
  { name: 'medium', users: [500, 2000], monthly: [320, 600], shape: '1 server, 4 CPU / 16 GB' },
  { name: 'large', users: [2000, 10000], monthly: [1600, 4100], shape: 'several servers, auto-scaling' },
] as const;

export interface TierCheck {
  tier: string;
  tierUsers: readonly [number, number];
  tierMonthly: readonly [number, number];
  /** The cost range lies inside the tier's range. */
  costInside: boolean;
}

/** Which seed tier the user count falls in (the lower tier at a boundary), and whether the cost does too. */
export function checkSeedTier(users: number, cost: Sizing['cost']): TierCheck | undefined {
  const t = SEED_TIERS.find((x) => users <= x.users[1]) ?? SEED_TIERS[SEED_TIERS.length - 1];
  if (!cost || cost.currency !== 'USD') return undefined;
  return { tier: t.name, tierUsers: t.users, tierMonthly: t.monthly, costInside: cost.low >= t.monthly[0] && cost.high <= t.monthly[1] };
}
