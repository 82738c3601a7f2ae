// Pure: a ServicePlan (plus where its files live and which release it belongs to) → the
// Engine API's container create body. Limits, user, read-only root, tmpfs, capabilities and
// security options are copied exactly as the plan says them; nothing is added or loosened.
import path from 'node:path';
import type { ServicePlan } from '../../plan/types.js';
import { ADMIN_PORT_NAME, LABEL } from '../../engine/labels.js';

export interface SpecInput {
  project: string;
  service: ServicePlan;
  /** Folder on the engine host holding this service's config files (content-addressed). */
  configDir: string;
  /** Folder on the engine host holding secret files. */
  secretsDir: string;
  /** Full network names (already prefixed with the project). */
  networkName: (name: string) => string;
  volumeName: (name: string) => string;
  image: string;
  containerName: string;
  labels: Record<string, string>;
  /** Publish every published port (edge); false for extra replicas that must not clash. */
  publish: boolean;
  /** Bind mounts from the state folder the target adds (the edge's certificates: edge-tls-files.ts). */
  extraMounts?: { Type: 'bind'; Source: string; Target: string; ReadOnly: boolean }[];
}

export interface ContainerSpec {
  name: string;
  body: Record<string, unknown>;
  /** Networks beyond the first, connected before start. */
  extraNetworks: { name: string; aliases: string[] }[];
}

const NS = 1_000_000_000;

export function secretTarget(target: string, name: string): string {
  if (!target) return `/run/secrets/${name}`;
  return target.startsWith('/') ? target : `/run/secrets/${target}`;
}

/** `65534:65534` (or `65534`) → numbers; null for a user name. */
export function parseNumericUser(user: string): { uid: number; gid: number } | null {
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  return m ? { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } : null;
}

/**
 * tmpfs folders owned by the service's numeric user. A tmpfs starts 1777, but when the engine
 * restarts the container (restart policy, `docker restart`, a reboot) Engine 20.10 mounts it 0755
 * root: HAProxy as 65534 then cannot bind its socket in /run/haproxy and the edge stays down.
 * An owner survives the restart (measured), a mode does not.
 */
export function tmpfsOf(s: ServicePlan): Record<string, string> | undefined {
  const dirs = s.volumes.filter((v) => v.kind === 'tmpfs');
  if (dirs.length === 0) return undefined;
  const u = parseNumericUser(s.user);
  const opts = u ? `uid=${u.uid},gid=${u.gid}` : '';
  return Object.fromEntries(dirs.map((v) => [v.target, opts]));
}

export function buildContainerSpec(i: SpecInput): ContainerSpec {
  const s = i.service;
  const mounts = [
    ...s.volumes.filter((v) => v.kind !== 'tmpfs').map((v) => ({ Type: v.kind, Source: v.kind === 'volume' ? i.volumeName(v.source) : v.source, Target: v.target, ReadOnly: v.readOnly })),
    ...s.configs.map((c) => ({ Type: 'bind', Source: path.join(i.configDir, c.file), Target: c.target, ReadOnly: true })),
    ...s.secrets.map((sec) => ({ Type: 'bind', Source: path.join(i.secretsDir, sec.name), Target: secretTarget(sec.target, sec.name), ReadOnly: true })),
    ...(i.extraMounts ?? []),
  ];
  const exposed = Object.fromEntries(s.ports.map((p) => [`${p.port}/tcp`, {}]));
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = i.publish ? Object.fromEntries(s.published.map((p) => [`${p.port}/tcp`, [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }]])) : {};
  // The edge's runtime API is how deploys move traffic: published on the engine host's loopback
  // only, on a port the engine picks (the target reads it back), unless the plan publishes it.
  const admin = s.role === 'edge' && i.publish ? s.ports.find((p) => p.name === ADMIN_PORT_NAME) : undefined;
  if (admin && !bindings[`${admin.port}/tcp`]) bindings[`${admin.port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
  for (const p of Object.keys(bindings)) exposed[p] = {};
  const [first, ...rest] = s.networks.map(i.networkName);
  const hc = s.healthcheck;
  return {
    name: i.containerName,
    extraNetworks: rest.map((name) => ({ name, aliases: [s.name] })),
    body: {
      Image: i.image,
      Entrypoint: s.entrypoint,
      Cmd: s.command.length > 0 ? s.command : undefined,
      Env: Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
      Labels: { ...s.labels, ...i.labels },
      User: s.user || undefined,
      ExposedPorts: exposed,
      StopSignal: 'SIGTERM',
      StopTimeout: s.stopGracePeriodSeconds,
      Healthcheck: hc
        ? { Test: hc.test, Interval: hc.intervalSeconds * NS, Timeout: hc.timeoutSeconds * NS, Retries: hc.retries, StartPeriod: hc.startPeriodSeconds * NS }
        : undefined,
      HostConfig: {
        Memory: s.resources.memoryBytes,
        NanoCpus: Math.round(s.resources.cpus * NS),
        PidsLimit: s.resources.pids,
        ReadonlyRootfs: s.readOnlyRootfs,
        CapDrop: s.capDrop,
        CapAdd: s.capAdd.length > 0 ? s.capAdd : undefined,
        SecurityOpt: s.securityOpt,
        Privileged: s.privileged,
        RestartPolicy: { Name: s.restart === 'no' ? '' : s.restart },
        Mounts: mounts,
        Tmpfs: tmpfsOf(s),
        PortBindings: bindings,
        LogConfig: { Type: s.logging.driver, Config: s.logging.options },
        NetworkMode: first,
        Init: false,
      },
      NetworkingConfig: first ? { EndpointsConfig: { [first]: { Aliases: [s.name] } } } : undefined,
    },
  };
}
