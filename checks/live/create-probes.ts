// Wires the adapters into one LiveProbes for a running stack found through the target's
// endpoints file. Secrets are read from the profile's secret files, used, and never printed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TargetError } from '../../lib/errors.js';
import type { StackPlan } from '../../plan/types.js';
import { backupSets } from './backup-probe.js';
import { inspectContainers } from './docker-probe.js';
import { endpointsFromContainers, listContainerAddresses } from './docker-endpoints.js';
import { httpBurst, httpGet } from './http-probe.js';
import { createPgProbe } from './pg-probe.js';
import type { LiveProbes, StackEndpoints } from './probes.js';
import { createRedisProbe } from './redis-probe.js';
import { certificate, diskFree } from './system-probe.js';
import { secretFileOf } from '../../plan/secret-file.js';
import { readSecret } from '../../lib/secrets.js';

export function endpointsFile(stateDir: string, target: string): string {
  return path.join(stateDir, target === 'native' ? 'native' : 'docker', 'endpoints.json');
}

export function readEndpoints(file: string): StackEndpoints {
  if (!existsSync(file)) {
    throw new TargetError(`no running stack found: ${file} does not exist`, 'start it with `prodctl up`, point --state-dir at its state folder, or run `prodctl check --static-only`');
  }
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as StackEndpoints;
    return { ...e, api: Array.isArray(e.api) ? e.api : [] };
  } catch (err) {
    throw new TargetError(`cannot read ${file}: ${(err as Error).message}`, 'restart the stack with `prodctl up` to rewrite it');
  }
}

/** A secret for a probe; a missing one leaves the probe without it, and the check says what fails. */
function readProbeSecret(plan: StackPlan, name: string): string | undefined {
  const file = secretFileOf(plan, name);
  return file ? readSecret(file, `secrets.${name}`, { optional: true }) : undefined;
}

export interface ProbeOptions {
  stateDir: string;
  endpointsPath?: string;
  checkApiKey?: string | null;
}

/** The endpoints file when there is one; on docker/swarm without one, the engine's containers. */
async function findEndpoints(plan: StackPlan, o: ProbeOptions): Promise<{ endpoints: StackEndpoints; source: string }> {
  const file = o.endpointsPath ?? endpointsFile(o.stateDir, plan.target);
  if (o.endpointsPath || plan.target === 'native' || existsSync(file)) return { endpoints: readEndpoints(file), source: file };
  const containers = await listContainerAddresses(plan.project);
  if (!containers?.length) {
    throw new TargetError(`no running stack found: no container labelled prodctl.project=${plan.project}${containers === null ? ' (no Docker engine answers)' : ''}`, 'deploy it with `prodctl up`, pass --endpoints FILE, or run `prodctl check --static-only`');
  }
  return { endpoints: endpointsFromContainers(plan, containers), source: `docker engine (project ${plan.project})` };
}

export async function createLiveProbes(plan: StackPlan, o: ProbeOptions): Promise<LiveProbes> {
  const { endpoints, source } = await findEndpoints(plan, o);
  const p = plan.profile;
  const redis = endpoints.redis ? createRedisProbe(endpoints.redis, readProbeSecret(plan, p.redis.password_secret)) : null;
  const pgp = endpoints.postgres ? createPgProbe(endpoints.postgres, { user: p.postgres.user, database: p.postgres.database, password: readProbeSecret(plan, p.postgres.password_secret) }) : null;
  const missing = (what: string) => new TargetError(`${source} names no ${what} endpoint`, 'restart the stack with `prodctl up`');
  return {
    endpoints,
    endpointsSource: source,
    checkApiKey: o.checkApiKey ?? null,
    redisConfig: (keys) => (redis ? redis.config(keys) : Promise.reject(missing('redis'))),
    queueWorkers: (queue) => (redis ? redis.queueWorkers(queue) : Promise.reject(missing('redis'))),
    queueJobStates: (queue, ids) => (redis ? redis.queueJobStates(queue, ids) : Promise.reject(missing('redis'))),
    pgQuery: <T>(sql: string, params?: unknown[]) => (pgp ? pgp.query<T>(sql, params) : Promise.reject(missing('postgres'))),
    http: httpGet,
    httpBurst,
    diskFree,
    backupSets,
    certificate,
    containers: (project) => (plan.target === 'native' ? Promise.resolve(null) : inspectContainers(project)),
    async close() {
      await Promise.all([redis?.close(), pgp?.close()]);
    },
  };
}
