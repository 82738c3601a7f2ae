// `prodctl loadtest run` against the running native stack also writes a capacity record: the CPU
// seconds each service's processes used during the run (found by the ports they listen on) and the
// data stores' work counters, divided by what the run served. `prodctl plan --users` reads it.
import { cpus, hostname, totalmem } from 'node:os';
import { readSecret } from '../lib/secrets.js';
import { cpuSeconds, listeningPids, withChildren } from '../lib/proc-cpu.js';
import { openStoreCounters, type StoreCounters } from '../lib/store-counters.js';
import { buildLoadtestRecord } from '../plan/capacity-record.js';
import { secretFileOf } from '../plan/secret-file.js';
import type { LoadPlan } from '../loadtest/plan.js';
import type { RunResult } from '../loadtest/result.js';
import { writeCapacityRecord } from '../state/capacity-records.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { readEndpoints, resolveDatabase } from './runtime-database.js';

interface NativePorts {
  api: number[];
  worker: number[];
  postgres: number;
  redis: number;
}

interface Snapshot {
  cpu: { api: number; worker: number; postgres: number; redis: number };
  counters: StoreCounters;
}

export interface CapacitySample {
  /** Writes the record; returns its file, or a reason it could not. */
  finish(result: RunResult, plan: LoadPlan): Promise<{ file?: string; skipped?: string }>;
}

function nativePorts(stateDir: string): NativePorts | undefined {
  const ep = readEndpoints(stateDir) as (ReturnType<typeof readEndpoints> & { api?: { port: number }[]; workers?: { metricsPort: number }[] }) | null;
  if (!ep?.postgres || !ep.redis || !ep.api?.length || !ep.workers?.length) return undefined;
  return { api: ep.api.map((a) => a.port), worker: ep.workers.map((w) => w.metricsPort), postgres: ep.postgres.port, redis: ep.redis.port };
}

function cpuNow(p: NativePorts): Snapshot['cpu'] {
  const [pgRoot] = listeningPids([p.postgres]);
  return {
    api: cpuSeconds(listeningPids(p.api)),
    // A worker's PDF threads are threads of its process; a child process would be counted too.
    worker: cpuSeconds(listeningPids(p.worker).flatMap(withChildren)),
    postgres: pgRoot ? cpuSeconds(withChildren(pgRoot)) : 0,
    redis: cpuSeconds(listeningPids([p.redis])),
  };
}

/** Starts the sample before the run; undefined when no native stack of this state folder runs. */
export async function startCapacitySample(ctx: CliContext): Promise<CapacitySample | undefined> {
  const ports = nativePorts(ctx.stateDir);
  if (!ports) return undefined;
  const plan = await loadPlan(ctx);
  const pwFile = secretFileOf(plan, plan.profile.redis.password_secret);
  const ep = readEndpoints(ctx.stateDir)!;
  const counters = openStoreCounters({ postgres: await resolveDatabase(ctx, {}), redis: { ...ep.redis!, password: pwFile ? readSecret(pwFile, 'redis password', { optional: true }) : undefined } });
  const before: Snapshot = { cpu: cpuNow(ports), counters: await counters.read() };
  return {
    async finish(result, loadPlan) {
      try {
        const after: Snapshot = { cpu: cpuNow(ports), counters: await counters.read() };
        const d = (k: keyof Snapshot['cpu']) => after.cpu[k] - before.cpu[k];
        const record = buildLoadtestRecord(
          {
            requests: Object.fromEntries(result.endpoints.map((e) => [e.endpoint, e.requests])),
            jobsCompleted: result.jobs.completed,
            op: loadPlan.workload.jobOp,
            pages: loadPlan.workload.samplePages,
            cpuSeconds: { api: d('api'), worker: d('worker'), postgres: d('postgres'), redis: d('redis') },
            postgresTransactions: after.counters.postgresTransactions - before.counters.postgresTransactions,
            redisCommands: after.counters.redisCommands - before.counters.redisCommands,
          },
          { hostname: hostname(), cores: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryBytes: totalmem() },
          new Date().toISOString(),
          loadPlan.scenarioName,
        );
        if (!record) return { skipped: 'a service did no measurable work (no requests, no completed jobs, or no CPU time)' };
        return { file: writeCapacityRecord(ctx.stateDir, record) };
      } finally {
        await counters.close();
      }
    },
  };
}
