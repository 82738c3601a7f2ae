// The capacity record: per-core throughput measured on a real machine (by the capacity bench,
// `npm run bench -- --only capacity`, or `prodctl loadtest run`), the only source of the numbers `prodctl plan --users` sizes with.
// Pure: the shape, its validation and the choice of the newest record.

export const CAPACITY_RECORD_VERSION = 1;

/** One measured unit of work: how much of it one core carries per second, and what it costs the data stores. */
export interface MeasuredRate {
  /** Units (requests or jobs) per CPU-second of the service that serves them. */
  perCoreSecond: number;
  /** Postgres transactions committed per unit. */
  postgresOps: number;
  /** Redis commands processed per unit. */
  redisOps: number;
  /** How many units the measurement saw. */
  samples: number;
}

export interface WorkerRate extends MeasuredRate {
  op: string;
  pages: number;
}

export interface CapacityRecord {
  version: number;
  source: 'bench' | 'loadtest';
  measuredAt: string;
  machine: { hostname: string; cores: number; cpuModel: string; memoryBytes: number };
  /** API requests per API core-second, by load-test endpoint (status, upload, job, download). */
  api: Record<string, MeasuredRate>;
  /** Worker jobs per worker core-second, by op and page count. */
  worker: WorkerRate[];
  /** Ops the data stores carry per core-second, measured alongside the rates above. */
  postgres: { opsPerCoreSecond: number };
  redis: { opsPerCoreSecond: number };
  note?: string;
}

/** Problems with a parsed record, as `path: what` strings; empty when it can be used. */
export function validateCapacityRecord(raw: unknown): string[] {
  const errs: string[] = [];
  const r = raw as Partial<CapacityRecord> | null;
  if (!r || typeof r !== 'object') return ['record: not an object'];
  if (r.version !== CAPACITY_RECORD_VERSION) errs.push(`version: expected ${CAPACITY_RECORD_VERSION}, got ${String(r.version)}`);
  if (r.source !== 'bench' && r.source !== 'loadtest') errs.push('source: expected bench or loadtest');
  if (typeof r.measuredAt !== 'string' || Number.isNaN(Date.parse(r.measuredAt))) errs.push('measuredAt: expected an ISO date');
  if (!r.machine || !(r.machine.cores > 0)) errs.push('machine.cores: expected a positive number');
  const rate = (where: string, m: MeasuredRate | undefined) => {
    if (!m || !(m.perCoreSecond > 0)) errs.push(`${where}.perCoreSecond: expected a positive number`);
    else if (!(m.postgresOps >= 0) || !(m.redisOps >= 0)) errs.push(`${where}: postgresOps and redisOps must be ≥ 0`);
  };
  for (const [k, m] of Object.entries(r.api ?? {})) rate(`api.${k}`, m);
  if (!Array.isArray(r.worker)) errs.push('worker: expected a list');
  else r.worker.forEach((w, i) => rate(`worker[${i}]`, w));
  if (!(r.postgres?.opsPerCoreSecond! > 0)) errs.push('postgres.opsPerCoreSecond: expected a positive number');
  if (!(r.redis?.opsPerCoreSecond! > 0)) errs.push('redis.opsPerCoreSecond: expected a positive number');
  return errs;
}

/** The newest of several records (by measuredAt); undefined for none. */
export function pickNewestRecord<T extends { record: CapacityRecord }>(found: T[]): T | undefined {
  return [...found].sort((a, b) => Date.parse(b.record.measuredAt) - Date.parse(a.record.measuredAt))[0];
}

/** A worker rate for the op and page count asked, else the same op's nearest page count, else any op's. */
export function pickWorkerRate(rates: WorkerRate[], op: string, pages: number): WorkerRate | undefined {
  const byDistance = (a: WorkerRate, b: WorkerRate) => Math.abs(a.pages - pages) - Math.abs(b.pages - pages) || a.perCoreSecond - b.perCoreSecond;
  const same = rates.filter((r) => r.op === op).sort(byDistance);
  if (same.length > 0) return same[0];
  // Another op: the slowest at the nearest page count, so the size errs on the safe side.
  return [...rates].sort(byDistance)[0];
}

/** What a load test against the running stack measured: its counts and the CPU each service used. */
export interface LoadtestUsage {
  requests: Record<string, number>;
  jobsCompleted: number;
  op: string;
  pages: number;
  cpuSeconds: { api: number; worker: number; postgres: number; redis: number };
  postgresTransactions: number;
  redisCommands: number;
}

/**
 * A record from a load test of a mix. The API's CPU cannot be split by endpoint, so every endpoint
 * gets the run's blended rate, and the data stores' ops are charged to requests: the record sizes
 * the mix it ran exactly, and another mix only roughly (the bench measures endpoints apart).
 * Undefined when a service did no measurable work.
 */
export function buildLoadtestRecord(u: LoadtestUsage, machine: CapacityRecord['machine'], measuredAt: string, scenario: string): CapacityRecord | undefined {
  const total = Object.values(u.requests).reduce((a, b) => a + b, 0);
  const c = u.cpuSeconds;
  if (total === 0 || u.jobsCompleted === 0 || !(c.api > 0 && c.worker > 0 && c.postgres > 0 && c.redis > 0)) return undefined;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const blended: MeasuredRate = { perCoreSecond: round(total / c.api), postgresOps: round(u.postgresTransactions / total), redisOps: round(u.redisCommands / total), samples: total };
  return {
    version: CAPACITY_RECORD_VERSION,
    source: 'loadtest',
    measuredAt,
    machine,
    api: Object.fromEntries(Object.entries(u.requests).filter(([, n]) => n > 0).map(([k]) => [k, blended])),
    worker: [{ op: u.op, pages: u.pages, perCoreSecond: round(u.jobsCompleted / c.worker), postgresOps: 0, redisOps: 0, samples: u.jobsCompleted }],
    postgres: { opsPerCoreSecond: round(u.postgresTransactions / c.postgres) },
    redis: { opsPerCoreSecond: round(u.redisCommands / c.redis) },
    note: `prodctl loadtest run --scenario ${scenario}: blended API rate over ${total} requests; Postgres and Redis ops charged to requests`,
  };
}
