// One normalised view of a service's runtime settings, read from compose.yaml (docker/swarm) or,
// when no compose file is rendered, from the plan the native target runs. Checks read only this.
import type { StackPlan } from '../plan/types.js';

export interface PortView {
  hostIp: string;
  hostPort: number;
  target: number;
}

export interface MountView {
  type: 'volume' | 'bind' | 'tmpfs';
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ServiceView {
  name: string;
  image: string;
  user: string;
  readOnly: boolean;
  capDrop: string[];
  securityOpt: string[];
  privileged: boolean;
  memoryBytes: number | null;
  cpus: number | null;
  pids: number | null;
  healthcheck: boolean;
  restart: string;
  logging: { driver: string; options: Record<string, string> };
  published: PortView[];
  mounts: MountView[];
  environment: Record<string, string>;
  networks: string[];
  replicas: number;
  /** Secrets mounted into the service: name and in-container path. */
  secrets: { name: string; target: string }[];
}

const DOCKER_SIZE = /^(\d+(?:\.\d+)?)\s*([bkmgt])?i?b?$/i;
const POW: Record<string, number> = { b: 0, k: 1, m: 2, g: 3, t: 4 };

/** Docker's memory notation (512m, 1.5g, bytes as a number). */
export function parseDockerSize(v: unknown): number | null {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return null;
  const m = DOCKER_SIZE.exec(v.trim());
  return m ? Math.round(Number(m[1]) * 1024 ** POW[(m[2] ?? 'b').toLowerCase()]) : null;
}

function toNumber(v: unknown): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function readEnvironment(env: unknown): Record<string, string> {
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((e) => String(e)).map((e) => [e.split('=')[0], e.includes('=') ? e.slice(e.indexOf('=') + 1) : '']));
  }
  if (env && typeof env === 'object') return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
  return {};
}

/** "127.0.0.1:80:80", "80:80", "443" or the long form. */
export function readPort(p: unknown): PortView | null {
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    if (o.published === undefined) return null;
    return { hostIp: String(o.host_ip ?? '0.0.0.0'), hostPort: Number(o.published), target: Number(o.target) };
  }
  const parts = String(p).split('/')[0].split(':');
  if (parts.length === 1) return null; // container port only: not published on a fixed host port
  if (parts.length === 2) return { hostIp: '0.0.0.0', hostPort: Number(parts[0]), target: Number(parts[1]) };
  return { hostIp: parts.slice(0, -2).join(':').replace(/^\[|\]$/g, ''), hostPort: Number(parts.at(-2)), target: Number(parts.at(-1)) };
}

export function readMount(v: unknown, namedVolumes: Set<string>): MountView {
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return { type: (o.type as MountView['type']) ?? 'volume', source: String(o.source ?? ''), target: String(o.target ?? ''), readOnly: o.read_only === true };
  }
  const parts = String(v).split(':');
  const source = parts.length > 1 ? parts[0] : '';
  const target = parts.length > 1 ? parts[1] : parts[0];
  const mode = parts[2] ?? '';
  const type = source.startsWith('/') || source.startsWith('.') ? 'bind' : namedVolumes.has(source) || source ? 'volume' : 'volume';
  return { type, source, target, readOnly: mode.split(',').includes('ro') };
}

/** `- name` or `{ source, target }`; the default target is /run/secrets/<name>. */
function readSecretMount(x: unknown): { name: string; target: string } {
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    const name = String(o.source ?? '');
    const t = o.target ? String(o.target) : name;
    return { name, target: t.startsWith('/') ? t : `/run/secrets/${t}` };
  }
  return { name: String(x), target: `/run/secrets/${String(x)}` };
}

export function readComposeServices(doc: Record<string, any>): ServiceView[] {
  const named = new Set(Object.keys(doc.volumes ?? {}));
  return Object.entries<Record<string, any>>(doc.services ?? {}).map(([name, s]) => {
    const limits = s.deploy?.resources?.limits ?? {};
    const hc = s.healthcheck;
    const networks = Array.isArray(s.networks) ? s.networks.map(String) : Object.keys(s.networks ?? {});
    return {
      name,
      image: String(s.image ?? ''),
      user: s.user === undefined ? '' : String(s.user),
      readOnly: s.read_only === true,
      capDrop: (s.cap_drop ?? []).map(String),
      securityOpt: (s.security_opt ?? []).map(String),
      privileged: s.privileged === true,
      memoryBytes: parseDockerSize(limits.memory ?? s.mem_limit),
      cpus: toNumber(limits.cpus ?? s.cpus),
      pids: toNumber(limits.pids ?? s.pids_limit),
      healthcheck: Boolean(hc && hc.disable !== true && Array.isArray(hc.test) ? hc.test[0] !== 'NONE' : hc?.test),
      restart: String(s.restart ?? s.deploy?.restart_policy?.condition ?? ''),
      logging: { driver: String(s.logging?.driver ?? ''), options: Object.fromEntries(Object.entries(s.logging?.options ?? {}).map(([k, v]) => [k, String(v)])) },
      published: (s.ports ?? []).map(readPort).filter((p: PortView | null): p is PortView => p !== null),
      mounts: (s.volumes ?? []).map((v: unknown) => readMount(v, named)).concat((s.tmpfs ? [s.tmpfs].flat() : []).map((t: unknown) => ({ type: 'tmpfs' as const, source: '', target: String(t).split(':')[0], readOnly: false }))),
      environment: readEnvironment(s.environment),
      networks,
      replicas: toNumber(s.deploy?.replicas) ?? 1,
      secrets: (s.secrets ?? []).map((x: unknown) => readSecretMount(x)),
    };
  });
}

export function viewsFromPlan(plan: StackPlan): ServiceView[] {
  return plan.services.map((s) => ({
    name: s.name,
    image: s.image,
    user: s.user,
    readOnly: s.readOnlyRootfs,
    capDrop: s.capDrop,
    securityOpt: s.securityOpt,
    privileged: s.privileged,
    memoryBytes: s.resources.memoryBytes || null,
    cpus: s.resources.cpus || null,
    pids: s.resources.pids || null,
    healthcheck: s.healthcheck !== null,
    restart: s.restart,
    logging: { driver: s.logging.driver, options: s.logging.options },
    published: s.published.map((p) => ({ hostIp: p.hostIp, hostPort: p.hostPort, target: p.port })),
    mounts: s.volumes.map((v) => ({ type: v.kind, source: v.source, target: v.target, readOnly: v.readOnly })),
    environment: s.env,
    networks: s.networks,
    replicas: s.replicas,
    secrets: s.secrets.map((x) => ({ name: x.name, target: x.target })),
  }));
}

/** Which logical role a compose service plays (api-1 → api, pdfsvc-worker → worker). */
export function roleOf(name: string): string {
  const known = ['postgres-exporter', 'redis-exporter', 'node-exporter', 'alertmanager', 'prometheus', 'grafana', 'postgres', 'redis', 'worker', 'api', 'edge', 'traefik', 'haproxy'];
  const hit = known.find((k) => name === k || name.startsWith(`${k}-`) || name.endsWith(`-${k}`) || name.includes(`-${k}-`));
  if (hit === 'traefik' || hit === 'haproxy') return 'edge';
  return hit ?? name;
}
