// The stack plan: a pure function from the validated profile to services, networks, volumes,
// secrets and the files `prodctl render` writes. Targets and renderers consume only this.
import path from 'node:path';
import { parseDuration } from '../profile/units.js';
import type { Profile } from '../profile/schema.js';
import { planApi, planWorker } from './app-services.js';
import { planAutoscaler } from './autoscale-service.js';
import { planPostgres, planRedis } from './data-services.js';
import { planEdge } from './edge-service.js';
import { RENDER_PATHS } from './file-paths.js';
import { hardenService } from './harden.js';
import { planMonitoring } from './monitoring-services.js';
import type { ServicePlan, StackPlan } from './types.js';

export const NETWORKS = [
  { name: 'edge', internal: false },
  // internal: no route to the outside; Postgres and Redis live only here.
  { name: 'backend', internal: true },
];

export function computePlan(profile: Profile, opts: { preset: string; profileDir: string }): StackPlan {
  const release = releaseOf(profile.images.api);
  const ctx = { project: profile.project.name, preset: opts.preset, stopGracePeriodSeconds: Math.ceil(parseDuration(profile.deploy.stop_timeout) / 1000) };
  const drafts = [planApi(profile, release), planWorker(profile, release), planPostgres(profile), planRedis(profile), planEdge(profile), ...planMonitoring(profile), ...planAutoscaler(profile)];
  const services = drafts.map((d) => hardenService(d, ctx));
  const used = new Set(services.flatMap((s) => s.secrets.map((x) => x.name)));
  return {
    version: 1,
    project: profile.project.name,
    target: profile.target,
    preset: opts.preset,
    services,
    networks: NETWORKS.map((n) => ({ ...n })),
    volumes: volumesOf(services),
    secrets: Object.entries(profile.secrets)
      .filter(([name]) => used.has(name) || name === profile.backup.encryption?.key_secret)
      .map(([name, s]) => ({ name, file: path.resolve(opts.profileDir, s.file) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    files: filesOf(profile),
    profile,
    profileDir: opts.profileDir,
  };
}

/** The release is the runtime image's tag (`prodctl/runtime:0.1.0` → `0.1.0`). */
export function releaseOf(image: string): string {
  const noDigest = image.split('@')[0];
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(colon + 1) : 'latest';
}

function volumesOf(services: ServicePlan[]): string[] {
  return [...new Set(services.flatMap((s) => s.volumes.filter((v) => v.kind === 'volume').map((v) => v.source)))].sort();
}

/** The entry files render always writes; monitoring adds rule and dashboard files inside its folders. */
function filesOf(p: Profile): string[] {
  // Both edges are always rendered: switching edge.kind must not need a different render.
  const files: string[] = [RENDER_PATHS.compose, RENDER_PATHS.postgresConf, RENDER_PATHS.postgresInitRole, RENDER_PATHS.redisConf, RENDER_PATHS.traefikStatic, RENDER_PATHS.traefikDynamic, RENDER_PATHS.haproxy];
  if (p.monitoring.enabled) files.push(RENDER_PATHS.prometheusConfig, RENDER_PATHS.alertmanagerConfig);
  return files.sort();
}
