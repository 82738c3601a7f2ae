// `prodctl plan --users N | --rps R | --jobs-per-minute J`: the size and monthly cost of the stack
// for a load, from the newest capacity record (measured per-core rates) and the profile's workload
// model and price table.
import path from 'node:path';
import { UsageError } from '../lib/errors.js';
import { formatBytes, formatTable, printJson, printLine } from '../lib/output.js';
import type { CapacityRecord } from '../plan/capacity-record.js';
import { resolveCapacitySettings } from '../plan/capacity-settings.js';
import { checkSeedTier, sizeCapacity, type DemandInput, type ServiceShapes, type Sizing, type TierCheck } from '../plan/size-capacity.js';
import type { StackPlan } from '../plan/types.js';
import { findNewestCapacityRecord, readCapacityRecordFile, type FoundRecord } from '../state/capacity-records.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

export interface CapacityOptions {
  users?: string;
  rps?: string;
  jobsPerMinute?: string;
  capacityRecord?: string;
}

function positive(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a number > 0, got ${v}`, `e.g. ${flag} 2000`);
  return n;
}

export function wantsCapacity(o: CapacityOptions): boolean {
  return o.users !== undefined || o.rps !== undefined || o.jobsPerMinute !== undefined;
}

/** Per-replica shapes of the scaled services and the memory of the ones that run once. */
export function serviceShapes(plan: StackPlan): ServiceShapes {
  const of = (name: string) => plan.services.find((s) => s.name === name);
  const api = of('api');
  const worker = of('worker');
  if (!api || !worker) throw new UsageError('the plan has no api or worker service to size', 'check the profile');
  return {
    api: { cpus: api.resources.cpus, memoryBytes: api.resources.memoryBytes },
    worker: { cpus: worker.resources.cpus, memoryBytes: worker.resources.memoryBytes },
    fixed: plan.services.filter((s) => s.name !== 'api' && s.name !== 'worker').map((s) => ({ name: s.name, memoryBytes: s.resources.memoryBytes * s.replicas })),
  };
}

function findRecord(ctx: CliContext, file: string | undefined): FoundRecord {
  if (file) {
    try {
      return readCapacityRecordFile(path.resolve(ctx.cwd, file));
    } catch (err) {
      throw new UsageError(`cannot use the capacity record ${file}: ${(err as Error).message}`, 'pass a file written by `npm run bench -- --only capacity` or `prodctl loadtest run`');
    }
  }
  const { found, skipped } = findNewestCapacityRecord(ctx.stateDir);
  for (const s of skipped) ctx.log.warn(`skipped capacity record ${s}`);
  if (!found) throw new UsageError(`no capacity record in ${path.join(ctx.stateDir, 'capacity')}`, `measure one: prodctl loadtest run against the running stack, or npm run bench -- --only capacity -- --state-dir ${ctx.stateDir}`);
  return found;
}

export async function runPlanCapacity(ctx: CliContext, o: CapacityOptions, now = new Date()): Promise<void> {
  const input: DemandInput = { users: positive(o.users, '--users'), rps: positive(o.rps, '--rps'), jobsPerMinute: positive(o.jobsPerMinute, '--jobs-per-minute') };
  const plan = await loadPlan(ctx);
  const settings = resolveCapacitySettings(plan.profile);
  const found = findRecord(ctx, o.capacityRecord);
  let sizing: Sizing;
  try {
    sizing = sizeCapacity(input, found.record, serviceShapes(plan), settings);
  } catch (err) {
    throw new UsageError((err as Error).message, 'see docs/capacity.md');
  }
  const ageDays = Math.floor((now.getTime() - Date.parse(found.record.measuredAt)) / 86_400_000);
  const tier = checkSeedTier(sizing.demand.users, sizing.cost);
  if (ctx.json) {
    printJson({ record: { file: found.file, seed: found.seed, source: found.record.source, measuredAt: found.record.measuredAt, ageDays, machine: found.record.machine }, workload: settings.workload, targetUtilization: settings.targetUtilization, sizing, seedTier: tier });
    return;
  }
  for (const line of formatCapacity(sizing, found, ageDays, plan, settings.targetUtilization, tier)) printLine(line);
}

const n0 = (x: number) => Math.round(x).toLocaleString('en-US');

export function formatCapacity(s: Sizing, found: FoundRecord, ageDays: number, plan: StackPlan, util: number, tier: TierCheck | undefined): string[] {
  const r: CapacityRecord = found.record;
  const lines = [
    `capacity for ${n0(s.demand.users)} users · profile preset ${plan.preset}`,
    `record: ${found.file}`,
    `  ${r.source} on ${r.machine.hostname} (${r.machine.cores} cores, ${r.machine.cpuModel}), measured ${r.measuredAt}, ${ageDays} day${ageDays === 1 ? '' : 's'} old` +
      (found.seed ? ' — the shipped seed record, not this installation: measure yours with `prodctl loadtest run` or `npm run bench -- --only capacity -- --state-dir <state>`' : ''),
    `demand: ${n0(s.demand.requests)} req/s (status ${n0(s.demand.status)} · upload ${n0(s.demand.upload)} · job ${n0(s.demand.job)}), ${s.demand.jobs.toFixed(1)} jobs/s`,
    '',
    formatTable(
      ['SERVICE', 'LOAD CORES', 'REPLICAS', 'SIZED WITH'],
      s.services.map((x) => [x.name, x.loadCores.toFixed(2), String(x.replicas), x.basis]),
    ),
    '',
    `cpus: ${s.cpus} (the load at ${Math.round(util * 100)} % utilisation) · memory: ${formatBytes(s.memoryBytes)} (replicas' and services' limits)`,
  ];
  if (s.nodes) {
    const t = s.nodes.type;
    lines.push(`nodes: ${s.nodes.count} × ${t.name} (${t.cpus} cpus, ${formatBytes(t.memoryBytes)}) · per node ${s.nodes.cpusPerNode} cpus, ${formatBytes(s.nodes.memoryPerNodeBytes)} used`);
  }
  lines.push(`bottleneck: ${s.bottleneck.service} (${s.bottleneck.loadCores} cores, ${Math.round(s.bottleneck.share * 100)} % of the load)`);
  lines.push(`headroom: ${Math.round(s.headroom * 100)} % of the nodes' usable cores free at this load`);
  if (s.cost) lines.push(`monthly cost: ${s.cost.currency} ${n0(s.cost.low)}–${n0(s.cost.high)}`);
  if (tier) {
    lines.push(
      `seed tier: ${tier.tier} (${n0(tier.tierUsers[0])}–${n0(tier.tierUsers[1])} users, $${n0(tier.tierMonthly[0])}–${n0(tier.tierMonthly[1])}): ` +
        (tier.costInside ? 'the cost lies inside it' : 'the cost lies OUTSIDE it (see docs/capacity.md)'),
    );
  }
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  return lines;
}
