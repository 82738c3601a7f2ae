// The sizing math of `prodctl plan --users`: exact expectations worked out by hand from a record
// with round numbers (see the comments), plus the record's validation and the shipped seed record.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLoadtestRecord, pickWorkerRate, validateCapacityRecord, type CapacityRecord } from '../../plan/capacity-record.js';
import { DEFAULT_NODES, DEFAULT_WORKLOAD, resolveCapacitySettings } from '../../plan/capacity-settings.js';
import { checkSeedTier, computeDemand, sizeCapacity, type ServiceShapes } from '../../plan/size-capacity.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

const rate = (perCoreSecond: number, postgresOps: number, redisOps: number) => ({ perCoreSecond, postgresOps, redisOps, samples: 100 });
const RECORD: CapacityRecord = {
  version: 1,
  source: 'bench',
  measuredAt: '2026-12-01T00:00:00.000Z',
  machine: { hostname: 'test', cores: 2, cpuModel: 'test', memoryBytes: 8 * GiB },
  api: { status: rate(1000, 0, 2), upload: rate(200, 2, 4), job: rate(400, 2, 20) },
  worker: [
    { op: 'info', pages: 3, ...rate(250, 2, 30) },
    { op: 'watermark', pages: 3, ...rate(100, 3, 30) },
    { op: 'info', pages: 30, ...rate(200, 2, 30) },
  ],
  postgres: { opsPerCoreSecond: 2000 },
  redis: { opsPerCoreSecond: 50000 },
};
const SHAPES: ServiceShapes = {
  api: { cpus: 1, memoryBytes: 512 * MiB },
  worker: { cpus: 1, memoryBytes: 1 * GiB },
  fixed: [{ name: 'postgres', memoryBytes: 2 * GiB }, { name: 'redis', memoryBytes: 512 * MiB }],
};
const SETTINGS = resolveCapacitySettings({});

describe('computeDemand', () => {
  // Per user a second: 1 action; 0.05 uploads (each + a job creation + 2 polls); status 0.95 + 0.1.
  it('turns users into request and job rates with the seed workload', () => {
    expect(computeDemand(DEFAULT_WORKLOAD, { users: 1000 })).toEqual({ users: 1000, status: 1050, upload: 50, job: 50, jobs: 50, requests: 1150 });
  });
  it('derives users from --rps (1.15 requests a user a second)', () => {
    expect(computeDemand(DEFAULT_WORKLOAD, { rps: 2300 }).users).toBeCloseTo(2000, 9);
  });
  it('derives users from --jobs-per-minute alone, and overrides the job rate beside --users', () => {
    expect(computeDemand(DEFAULT_WORKLOAD, { jobsPerMinute: 600 }).users).toBeCloseTo(200, 9);
    const d = computeDemand(DEFAULT_WORKLOAD, { users: 500, jobsPerMinute: 600 });
    expect([d.status, d.upload, d.job, d.jobs, d.requests]).toEqual([525, 10, 10, 10, 545]);
  });
  it('refuses no load at all', () => {
    expect(() => computeDemand(DEFAULT_WORKLOAD, {})).toThrow('give --users, --rps or --jobs-per-minute');
  });
});

describe('sizeCapacity', () => {
  it('sizes 1,000 users from the record (worked by hand)', () => {
    const s = sizeCapacity({ users: 1000 }, RECORD, SHAPES, SETTINGS);
    // api: 1050/1000 + 50/200 + 50/400 = 1.425 cores → ceil(1.425 / 0.7) = 3 replicas of 1 cpu
    // worker: 50 / 250 = 0.2; postgres: (50·2 + 50·2 + 50·2) / 2000 = 0.15
    // redis: (1050·2 + 50·4 + 50·20 + 50·30) / 50000 = 0.096
    expect(s.services.map((x) => [x.name, x.loadCores, x.replicas])).toEqual([
      ['api', 1.425, 3],
      ['worker', 0.2, 1],
      ['postgres', 0.15, 1],
      ['redis', 0.096, 1],
    ]);
    expect(s.services[1].basis).toBe('info 3 pages 250 jobs/core-s');
    // 1.871 cores of load at 70 % → 2.673; memory 3·512M + 1G + 2G + 512M = 5 GiB
    expect(s.cpus).toBe(2.673);
    expect(s.memoryBytes).toBe(5 * GiB);
    // One medium node (3.75 usable cores) beats two small ones.
    expect(s.nodes).toEqual({ type: DEFAULT_NODES[1], count: 1, cpusPerNode: 2.923, memoryPerNodeBytes: 6 * GiB });
    expect(s.bottleneck).toEqual({ service: 'api', loadCores: 1.425, share: 0.762 });
    expect(s.headroom).toBe(0.501); // 1 − 1.871 / 3.75
    expect(s.cost).toEqual({ low: 320, high: 600, currency: 'USD' });
    expect(s.warnings).toEqual([]);
    expect(checkSeedTier(s.demand.users, s.cost)).toEqual({ tier: 'medium', tierUsers: [500, 2000], tierMonthly: [320, 600], costInside: true });
  });

  it('spreads a large load over several nodes and adds the multi-node extras', () => {
    const settings = { ...SETTINGS, extras: [{ name: 'load balancer', monthly: [10, 20] as [number, number], multiNodeOnly: true }] };
    const s = sizeCapacity({ users: 4000 }, RECORD, SHAPES, settings);
    // load 4 × 1.871 = 7.484 → 10.691 cpus; memory 9 api (ceil(5.7/0.7)) · 512M + 2 workers · 1G + 2.5G = 9 GiB
    expect(s.cpus).toBe(10.691);
    expect(s.services.map((x) => x.replicas)).toEqual([9, 2, 1, 1]);
    expect(s.memoryBytes).toBe(9 * GiB);
    // small: max(ceil(10.691/1.75) = 7, ceil(9/3) = 3) = 7 × 75 = 525; medium: 3 × 320 = 960 → 7 small.
    expect(s.nodes?.type.name).toBe('small');
    expect(s.nodes?.count).toBe(7);
    expect(s.cost).toEqual({ low: 7 * 75 + 10, high: 7 * 130 + 20, currency: 'USD' });
  });

  it('warns, and prices nothing, when Postgres alone outgrows every node type', () => {
    const s = sizeCapacity({ users: 1000 }, { ...RECORD, postgres: { opsPerCoreSecond: 10 } }, SHAPES, SETTINGS);
    expect(s.nodes).toBeUndefined();
    expect(s.cost).toBeUndefined();
    expect(s.bottleneck.service).toBe('postgres');
    expect(s.warnings).toEqual(['no node type in the price table has 42.857 usable cores for Postgres or Redis alone: add a larger node type, or split the data store']);
  });

  it('names the missing measurement', () => {
    const { job: _job, ...api } = RECORD.api;
    expect(() => sizeCapacity({ users: 10 }, { ...RECORD, api }, SHAPES, SETTINGS)).toThrow('the capacity record has no API rate for job');
  });
});

describe('capacity record', () => {
  it('picks the op at the nearest page count, else the slowest rate at the nearest page count', () => {
    expect(pickWorkerRate(RECORD.worker, 'info', 20)).toMatchObject({ op: 'info', pages: 30 });
    expect(pickWorkerRate(RECORD.worker, 'watermark', 300)).toMatchObject({ op: 'watermark', pages: 3 });
    expect(pickWorkerRate(RECORD.worker, 'merge', 3)).toMatchObject({ op: 'watermark', pages: 3 });
  });
  it('lists what is wrong with a bad record', () => {
    expect(validateCapacityRecord({ version: 2, source: 'guess', measuredAt: 'yesterday', machine: { cores: 0 }, api: { status: rate(0, 0, 0) }, worker: [], postgres: {}, redis: { opsPerCoreSecond: 1 } })).toEqual([
      'version: expected 1, got 2',
      'source: expected bench or loadtest',
      'measuredAt: expected an ISO date',
      'machine.cores: expected a positive number',
      'api.status.perCoreSecond: expected a positive number',
      'postgres.opsPerCoreSecond: expected a positive number',
    ]);
  });
  it('ships a valid seed record measured on a real machine', () => {
    const seed = JSON.parse(readFileSync(new URL('../../examples/capacity/seed-record.json', import.meta.url), 'utf8'));
    expect(validateCapacityRecord(seed)).toEqual([]);
    expect(seed.source).toBe('bench');
    expect(Object.keys(seed.api).sort()).toEqual(['job', 'status', 'upload']);
  });
});

describe('buildLoadtestRecord', () => {
  const usage = {
    requests: { status: 9000, upload: 500, job: 500 },
    jobsCompleted: 500,
    op: 'info',
    pages: 3,
    cpuSeconds: { api: 8, worker: 2, postgres: 1.5, redis: 0.5 },
    postgresTransactions: 3000,
    redisCommands: 40000,
  };
  const machine = { hostname: 'h', cores: 2, cpuModel: 'm', memoryBytes: GiB };

  it('gives every endpoint the blended API rate and charges the data stores to requests', () => {
    const rec = buildLoadtestRecord(usage, machine, '2026-12-07T00:00:00.000Z', 'mixed')!;
    const blended = { perCoreSecond: 1250, postgresOps: 0.3, redisOps: 4, samples: 10000 }; // 10,000 / 8 s; 3,000 / 10,000; 40,000 / 10,000
    expect(rec.api).toEqual({ status: blended, upload: blended, job: blended });
    expect(rec.worker).toEqual([{ op: 'info', pages: 3, perCoreSecond: 250, postgresOps: 0, redisOps: 0, samples: 500 }]);
    expect(rec.postgres).toEqual({ opsPerCoreSecond: 2000 });
    expect(rec.redis).toEqual({ opsPerCoreSecond: 80000 });
    expect(validateCapacityRecord(rec)).toEqual([]);
    // The same mix sized back from it: 10,000 req/s → 8 API cores, exactly the run's.
    const s = sizeCapacity({ rps: 10000 }, rec, SHAPES, SETTINGS);
    expect(s.services.find((x) => x.name === 'api')!.loadCores).toBe(8);
  });

  it('gives no record when a service did no measurable work', () => {
    expect(buildLoadtestRecord({ ...usage, jobsCompleted: 0 }, machine, '2026-12-07T00:00:00.000Z', 'mixed')).toBeUndefined();
    expect(buildLoadtestRecord({ ...usage, cpuSeconds: { ...usage.cpuSeconds, redis: 0 } }, machine, '2026-12-07T00:00:00.000Z', 'mixed')).toBeUndefined();
  });
});
