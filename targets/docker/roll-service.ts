// Rolls one service to the wanted spec, one replica at a time, health-gated:
//   start new → Docker healthy (+ /readyz) → [API: add to edge, confirm routed → drain old for
//   the drain window → remove old from edge] → stop old with SIGTERM and its stop timeout.
// Workers (no edge) and a first start (nothing serving) start their new replicas together.
// Old containers are only stopped (not removed) until the whole roll succeeded, so on failure
// they are started again and put back, and everything new is removed.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import type { EdgeSwitch } from '../../edge/types.js';
import { TargetError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import type { ServicePlan } from '../../plan/types.js';
import { buildContainerSpec, type SpecInput } from './container-spec.js';
import { createAndStart, listServiceContainers, sleep, stopAndRemove, waitHealthy, type ContainerInfo } from './containers.js';
import { execText } from '../../engine/exec.js';
import { LABEL } from '../../engine/labels.js';

export interface EdgeBinding {
  edge: EdgeSwitch;
  network: string;
  port: number;
  drainMs: number;
}

export interface RollInput {
  docker: Docker;
  log: Logger;
  service: ServicePlan;
  desired: number;
  configHash: string;
  timeoutMs: number;
  spec: Omit<SpecInput, 'containerName' | 'service' | 'publish'>;
  /** Only for the API: the edge it is served through. */
  edge?: EdgeBinding;
}

export interface RollResult {
  changed: boolean;
  started: string[];
  stopped: string[];
  /** Removes the stopped old replicas: call once the whole deploy succeeded. */
  commit(): Promise<void>;
  /** Puts the old replicas back and removes the new: call when a later step failed. */
  undo(): Promise<void>;
}

const NOTHING = async () => undefined;

export function makeContainerName(project: string, service: string, hash: string): string {
  return `${project}-${service}-${hash.slice(0, 8)}-${randomBytes(3).toString('hex')}`;
}

function readyProbe(s: ServicePlan): string[] | null {
  const hc = s.healthcheck;
  if (!hc?.httpPath || !hc.httpPort) return null;
  const url = `http://127.0.0.1:${hc.httpPort}${hc.httpPath}`;
  return ['node', '-e', `fetch(${JSON.stringify(url)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`];
}

export async function rollService(i: RollInput): Promise<RollResult> {
  const { docker, log, service: s } = i;
  const running = (await listServiceContainers(docker, i.spec.project, s.name)).filter((c) => c.State === 'running');
  const fresh = running.filter((c) => c.Labels[LABEL.configHash] === i.configHash);
  const stale = running.filter((c) => c.Labels[LABEL.configHash] !== i.configHash);
  if (stale.length === 0 && fresh.length === i.desired) return { changed: false, started: [], stopped: [], commit: NOTHING, undo: NOTHING };

  const toStart = Math.max(0, i.desired - fresh.length);
  const retire: ContainerInfo[] = [...stale, ...fresh.slice(i.desired)];
  const started: { id: string; name: string }[] = [];
  const stoppedOld: ContainerInfo[] = [];
  // Behind the edge, the edge's own /readyz check (confirmRouting) is the readiness gate.
  const probe = i.edge ? null : readyProbe(s);
  const startOne = async (n: number) => {
    const name = makeContainerName(i.spec.project, s.name, i.configHash);
    log.info(`${s.name}: starting ${name}`);
    const c = await createAndStart(docker, buildContainerSpec({ ...i.spec, service: s, containerName: name, publish: s.published.length > 0 && running.length === 0 && n === 0 }));
    started.push({ id: c.id, name });
    await waitHealthy(docker, c.id, i.timeoutMs, probe ? async () => (await execText(docker, c.id, probe)).exitCode === 0 : undefined);
    if (i.edge) {
      await routeReplica(i.edge, c, name, i.timeoutMs);
      log.info(`${s.name}: ${name} is healthy and routed by the edge`);
    }
  };
  // An old replica that is out of the edge stops (SIGTERM, its own drain) while the next new one starts.
  const stopping: Promise<ContainerInfo>[] = [];
  try {
    if (i.edge && retire.length > 0) {
      // Behind the edge with replicas serving: one at a time, each new one routed before an old one drains.
      for (let n = 0; n < toStart; n++) {
        await startOne(n);
        const old = retire.shift();
        if (old) {
          await drainOne(i, old);
          stopping.push(stopOne(i, old));
        }
      }
      stoppedOld.push(...(await settleAll(stopping.splice(0))));
    } else {
      // Nothing serving yet, or no edge (workers): start the new ones together, health-gated, then
      // stop the old ones, which finish their active jobs within their stop grace period.
      await settleAll(Array.from({ length: toStart }, (_, n) => startOne(n)));
    }
    stoppedOld.push(...(await settleAll(retire.splice(0).map((old) => retireOne(i, old)))));
  } catch (err) {
    for (const r of await Promise.allSettled(stopping)) if (r.status === 'fulfilled') stoppedOld.push(r.value);
    await undoRoll(i, started, stoppedOld);
    throw err;
  }
  return {
    changed: true,
    started: started.map((c) => c.name),
    stopped: stoppedOld.map((c) => c.Names[0].slice(1)),
    commit: async () => {
      for (const old of stoppedOld) await stopAndRemove(docker, old.Id);
    },
    undo: () => undoRoll(i, started, stoppedOld),
  };
}

/** Like Promise.all, but waits for every promise before throwing the first failure (nothing left half-started). */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(ps);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}

async function retireOne(i: RollInput, old: ContainerInfo): Promise<ContainerInfo> {
  await drainOne(i, old);
  return stopOne(i, old);
}

/** Adds a replica to the edge at its address on the network it shares with the edge, and waits
 *  until the edge's own health check passes and it routes there. */
async function routeReplica(b: EdgeBinding, c: Docker.Container, name: string, timeoutMs: number): Promise<void> {
  const ip = (await c.inspect()).NetworkSettings.Networks[b.network]?.IPAddress;
  if (!ip) throw new TargetError(`${name} has no address on ${b.network}, so the edge cannot reach it`, `attach the API to the network it shares with the edge (${b.network}) in the plan`);
  await b.edge.addServer(name, `${ip}:${b.port}`);
  await b.edge.confirmRouting(name, timeoutMs);
}

/** Behind the edge: drained (out of rotation, no request in flight; at most the drain window),
 *  then taken out of the edge. */
async function drainOne(i: RollInput, old: ContainerInfo): Promise<void> {
  if (!i.edge) return;
  const name = old.Names[0].slice(1);
  i.log.info(`${i.service.name}: draining ${name} (up to ${i.edge.drainMs} ms)`);
  await i.edge.edge.drainServer(name, i.edge.drainMs).catch(() => undefined);
  await i.edge.edge.removeServer(name, 5000).catch(() => undefined);
}

async function stopOne(i: RollInput, old: ContainerInfo): Promise<ContainerInfo> {
  i.log.info(`${i.service.name}: stopping ${old.Names[0].slice(1)} (SIGTERM, ${i.service.stopGracePeriodSeconds}s)`);
  await i.docker.getContainer(old.Id).stop({ t: i.service.stopGracePeriodSeconds }).catch(() => undefined);
  return old;
}

/** Puts the old replicas back (started and routed) before removing what is new. */
async function undoRoll(i: RollInput, started: { id: string; name: string }[], stoppedOld: ContainerInfo[]): Promise<void> {
  for (const old of stoppedOld) {
    const name = old.Names[0].slice(1);
    i.log.warn(`${i.service.name}: restoring ${name}`);
    try {
      const c = i.docker.getContainer(old.Id);
      await c.start();
      await waitHealthy(i.docker, old.Id, i.timeoutMs);
      if (i.edge) await routeReplica(i.edge, c, name, i.timeoutMs);
    } catch (err) {
      i.log.warn(`${i.service.name}: could not restore ${name}: ${(err as Error).message}`);
    }
  }
  for (const c of started.reverse()) {
    if (i.edge) {
      await i.edge.edge.drainServer(c.name).catch(() => undefined);
      await sleep(i.edge.drainMs);
      await i.edge.edge.removeServer(c.name, 5000).catch(() => undefined);
    }
    await stopAndRemove(i.docker, c.id, i.service.stopGracePeriodSeconds).catch(() => undefined);
  }
}
