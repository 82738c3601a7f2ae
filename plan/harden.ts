// The production defaults every service shares: non-root, read-only root file system with
// tmpfs for scratch, no capabilities, no privilege escalation, restart and log rotation.
import { parseSize } from '../profile/units.js';
import type { Resources } from '../profile/schema.js';
import type { HealthcheckPlan, ServiceName, ServicePlan, ServiceRole, VolumeMount } from './types.js';

export type ServiceDraft = Pick<ServicePlan, 'name' | 'role' | 'image' | 'command' | 'user'> &
  Partial<Omit<ServicePlan, 'name' | 'role' | 'image' | 'command' | 'user' | 'resources'>> & { resources: Resources };

export interface HardenContext {
  project: string;
  preset: string;
  stopGracePeriodSeconds: number;
}

export function hardenService(d: ServiceDraft, ctx: HardenContext): ServicePlan {
  return {
    name: d.name,
    role: d.role,
    image: d.image,
    ...(d.entrypoint ? { entrypoint: d.entrypoint } : {}),
    command: d.command,
    replicas: d.replicas ?? 1,
    resources: { cpus: d.resources.cpus, memoryBytes: parseSize(d.resources.memory), pids: d.resources.pids },
    env: sortKeys(d.env ?? {}),
    secrets: d.secrets ?? [],
    ports: d.ports ?? [],
    published: d.published ?? [],
    healthcheck: d.healthcheck ?? null,
    networks: d.networks ?? ['backend'],
    volumes: [...(d.volumes ?? []), tmpfs('/tmp')],
    configs: d.configs ?? [],
    user: d.user,
    readOnlyRootfs: true,
    capDrop: ['ALL'],
    capAdd: d.capAdd ?? [],
    securityOpt: ['no-new-privileges:true'],
    privileged: false,
    restart: 'unless-stopped',
    stopGracePeriodSeconds: d.stopGracePeriodSeconds ?? ctx.stopGracePeriodSeconds,
    labels: sortKeys({
      'com.prodctl.project': ctx.project,
      'com.prodctl.service': d.name,
      'com.prodctl.role': d.role,
      'com.prodctl.preset': ctx.preset,
      ...(d.labels ?? {}),
    }),
    logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } },
    dependsOn: d.dependsOn ?? [],
  };
}

export function tmpfs(target: string): VolumeMount {
  return { kind: 'tmpfs', source: '', target, readOnly: false };
}

export function volume(source: string, target: string, readOnly = false): VolumeMount {
  return { kind: 'volume', source, target, readOnly };
}

/** A healthcheck that probes an HTTP path with the image's own tool (wget in busybox images). */
export function httpHealthcheck(test: string[], path: string, port: number, startPeriodSeconds = 10): HealthcheckPlan {
  return { test, httpPath: path, httpPort: port, intervalSeconds: 10, timeoutSeconds: 3, retries: 3, startPeriodSeconds };
}

export function wgetTest(port: number, path: string): string[] {
  return ['CMD', 'wget', '-q', '-O', '/dev/null', `http://127.0.0.1:${port}${path}`];
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export type { ServiceName, ServiceRole };
