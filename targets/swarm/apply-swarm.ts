// Applies a plan to a swarm through the manager's engine: checks → images onto the nodes →
// overlay networks, secrets and configs (content-hash names) → volumes handed to their users →
// services in dependency order, each waited for until Swarm reports it done. Pure decisions live
// in service-spec / swarm-rules; this file sequences the effects.
import fs from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { ConfigError, TargetError } from '../../lib/errors.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import { stringify } from 'yaml';
import { RENDER_PATHS } from '../../plan/file-paths.js';
import { renderHaproxySwarmConfig } from '../../templates/swarm/render-haproxy-swarm.js';
import { buildTraefikSwarmLabels, buildTraefikSwarmStatic } from '../../templates/swarm/render-traefik-swarm.js';
import type { ApplyInput, ApplyResult } from '../docker/apply-stack.js';
import { hashText, listRenderedFiles } from '../docker/stage-files.js';
import { assignVolumeOwners, selectVolumeOwners } from '../docker/volume-owner.js';
import { LABEL } from '../../engine/labels.js';
import { convergeService } from './converge-service.js';
import { distributeImages, openNodeEngines, type NodeEngine } from './node-engines.js';
import { buildServiceSpec, configTargets, NODE_ROLE_LABEL, placementOf, swarmName, SWARM_LABEL, type SwarmObjectRef } from './service-spec.js';
import { ensureObject, ensureOverlayNetworks, pruneObjects } from './swarm-objects.js';
import { findOversizedServices, pinsAppToData, refuseLocalStorageOnManyNodes } from './swarm-rules.js';

export interface SwarmApplyInput extends ApplyInput {
  /** The engine that holds the images built here (loaded into the nodes when there is no registry). */
  source: Docker;
}

/** Pure: services in layers, each layer depending only on earlier ones (started together). */
export function orderByDependencies(services: ServicePlan[]): ServicePlan[][] {
  const names = new Set(services.map((s) => s.name));
  const done = new Set<string>();
  const layers: ServicePlan[][] = [];
  while (done.size < services.length) {
    const layer = services.filter((s) => !done.has(s.name) && s.dependsOn.every((d) => done.has(d) || !names.has(d)));
    if (layer.length === 0) throw new ConfigError('the plan\'s services depend on each other in a cycle', 'this is a prodctl bug: report it with the profile');
    layer.forEach((s) => done.add(s.name));
    layers.push(layer);
  }
  return layers;
}

/** The spec fields that need a rolling update when changed (replicas and release labels do not). */
export function hashSpec(spec: Record<string, any>): string {
  const { Mode, Labels: _l, ...rest } = spec;
  return hashText(JSON.stringify(rest), JSON.stringify(Mode.Global ? 'global' : 'replicated'));
}

export async function applySwarm(a: SwarmApplyInput): Promise<ApplyResult> {
  const { docker, plan, log } = a;
  const project = plan.project;
  refuseLocalStorageOnManyNodes(plan);
  const changes: string[] = [];
  const nodes = await openNodeEngines(docker);
  await checkNodes(docker, plan);
  const imageOf = (s: ServicePlan) => a.images[s.name] ?? s.image;
  await distributeImages(a.source, nodes, plan.services.map(imageOf), log, changes);
  await ensureOverlayNetworks(docker, project, plan.networks, changes);
  const secrets = await ensureSecrets(docker, plan, changes);
  await handVolumesToUsers(plan, nodes, imageOf, a);
  const timeoutMs = parseDuration(plan.profile.deploy.timeout);
  const monitorSeconds = Math.max(5, Math.min(30, Math.round(timeoutMs / 10_000)));
  const inUse = new Set(Object.values(secrets).map((r) => r.name));
  const specs = new Map<string, Record<string, any>>();
  for (const s of plan.services) {
    const configs = await ensureConfigs(docker, plan, a.renderedDir, s, changes);
    configs.forEach((c) => inUse.add(c.ref.name));
    const traefik = plan.profile.edge.kind === 'traefik';
    const labels = traefik && s.name === 'api' ? { ...buildTraefikSwarmLabels(plan), ...a.releaseLabels } : a.releaseLabels;
    const spec = buildServiceSpec({
      project, service: s, image: imageOf(s), replicas: a.replicas[s.name] ?? s.replicas, configs, secrets, pinToData: pinsAppToData(plan), labels, monitorSeconds,
      managerSocket: traefik && s.role === 'edge',
    });
    (spec.Labels as Record<string, string>)[SWARM_LABEL.specHash] = hashSpec(spec);
    specs.set(s.name, spec);
  }
  for (const layer of orderByDependencies(plan.services)) {
    const results = await Promise.allSettled(layer.map((s) => convergeService(docker, specs.get(s.name)!, timeoutMs * Math.max(1, specs.get(s.name)!.Mode.Replicated?.Replicas ?? 1), log)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length > 0) throw combineFailures(failed.map((f) => f.reason));
    layer.forEach((s, i) => {
      const v = (results[i] as PromiseFulfilledResult<string>).value;
      if (v !== 'unchanged') changes.push(`${s.name}: ${v}`);
    });
  }
  await pruneObjects(docker, project, inUse);
  return { changes, planHash: hashText(...[...specs.values()].map((s) => s.Labels[SWARM_LABEL.specHash] + JSON.stringify(s.Mode))) };
}

function combineFailures(errors: unknown[]): Error {
  if (errors.length === 1) return errors[0] as Error;
  const first = errors[0] as TargetError;
  return new TargetError(errors.map((e) => (e as Error).message).join('; '), first.hint, first.logTail ?? []);
}

/** Every task's limits fit a node, and the data services have a node labelled for them. */
async function checkNodes(docker: Docker, plan: StackPlan): Promise<void> {
  const nodes = (await docker.listNodes()) as { Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number } }; Spec?: { Labels?: Record<string, string> } }[];
  const oversized = findOversizedServices(plan, nodes.map((n) => ({ hostname: n.Description?.Hostname ?? '', nanoCpus: n.Description?.Resources?.NanoCPUs ?? 0, memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0 })));
  if (oversized.length > 0) throw new ConfigError(`the plan does not fit the swarm's nodes: ${oversized.join('; ')}`, 'lower the resources in the profile (or with --set), or add larger nodes');
  const needsData = plan.services.some((s) => (placementOf(s, pinsAppToData(plan), 1).Constraints as string[]).length > 0);
  if (needsData && !nodes.some((n) => n.Spec?.Labels?.[NODE_ROLE_LABEL] === 'data')) {
    throw new TargetError(`no swarm node carries the label ${NODE_ROLE_LABEL}=data, where Postgres, Redis and Prometheus run`, 'label one: `prodctl node label NODE role=data` (see `docker node ls` for the names)');
  }
}

async function ensureSecrets(docker: Docker, plan: StackPlan, changes: string[]): Promise<Record<string, SwarmObjectRef>> {
  const out: Record<string, SwarmObjectRef> = {};
  for (const sec of plan.secrets) {
    const file = path.resolve(plan.profileDir, sec.file);
    if (!fs.existsSync(file)) throw new ConfigError(`secret ${sec.name}: ${file} does not exist`, 'create the file or fix secrets.<name>.file in prodctl.yaml');
    out[sec.name] = await ensureObject(docker, 'secret', plan.project, sec.name, fs.readFileSync(file), changes);
  }
  return out;
}

/** One config object per rendered file a service mounts; the HAProxy edge gets its Swarm config. */
async function ensureConfigs(docker: Docker, plan: StackPlan, renderedDir: string, s: ServicePlan, changes: string[]) {
  const out: { target: string; ref: SwarmObjectRef }[] = [];
  for (const c of s.configs) {
    for (const f of configTargets(c.file, c.target, listRenderedFiles(renderedDir, c.file, s.name))) {
      const content = swarmEdgeConfig(plan, s, f.file) ?? fs.readFileSync(path.join(renderedDir, f.file));
      out.push({ target: f.target, ref: await ensureObject(docker, 'config', plan.project, `${s.name}-${path.basename(f.file)}`, content, changes) });
    }
  }
  return out;
}

/** The edge's config as Swarm needs it: HAProxy with DNS discovery, Traefik with the Swarm provider. */
function swarmEdgeConfig(plan: StackPlan, s: ServicePlan, file: string): Buffer | null {
  if (s.role !== 'edge') return null;
  if (path.basename(file) === 'haproxy.cfg') return Buffer.from(renderHaproxySwarmConfig(plan));
  if (file === RENDER_PATHS.traefikStatic) return Buffer.from(`# Traefik static configuration for Swarm, rendered by prodctl. Do not edit.\n${stringify(buildTraefikSwarmStatic(plan), { sortMapEntries: true, lineWidth: 0 })}`);
  return null;
}

/**
 * A fresh volume is root-owned on whichever node a task lands, and Swarm cannot chown it. So on
 * each node a service may run on, its writable volumes are created first and handed to its user.
 */
async function handVolumesToUsers(plan: StackPlan, nodes: NodeEngine[], imageOf: (s: ServicePlan) => string, a: SwarmApplyInput): Promise<void> {
  const owners = selectVolumeOwners(plan, plan.volumes, imageOf);
  for (const n of nodes) {
    const existing = new Set(((await n.docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
    const todo = owners.filter((o) => {
      const s = plan.services.find((x) => x.volumes.some((v) => v.source === o.volume))!;
      const pinned = (placementOf(s, pinsAppToData(plan), 1).Constraints as string[]).length > 0;
      return !existing.has(swarmName(plan.project, o.volume)) && (!pinned || n.labels[NODE_ROLE_LABEL] === 'data');
    });
    for (const o of todo) await n.docker.createVolume({ Name: swarmName(plan.project, o.volume), Labels: { [LABEL.project]: plan.project } });
    await assignVolumeOwners(n.docker, plan.project, todo, (v) => swarmName(plan.project, v), a.log);
  }
}

