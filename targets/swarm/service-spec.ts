// Pure: a ServicePlan (plus the Swarm objects it refers to) → the Engine API's ServiceSpec.
// Limits, user, read-only root, tmpfs mounts and capabilities are copied as the plan says them.
// What Swarm adds: replicas, reservations, placement, the update/rollback policy and dnsrr.
import path from 'node:path';
import { ENV } from '../../contract/index.js';
import type { ServicePlan } from '../../plan/types.js';
import { LABEL } from '../../engine/labels.js';

const NS = 1_000_000_000;

/** The node label that marks the nodes for Postgres, Redis and Prometheus (`prodctl node label NODE role=data`). */
export const NODE_ROLE_LABEL = 'prodctl.role';
export const SWARM_LABEL = { specHash: 'prodctl.spec-hash' } as const;

export interface SwarmObjectRef {
  id: string;
  name: string;
}

export interface SwarmSpecInput {
  project: string;
  service: ServicePlan;
  image: string;
  replicas: number;
  /** Config object per mounted file: target path in the container → object. */
  configs: { target: string; ref: SwarmObjectRef }[];
  /** Secret object per plan secret name. */
  secrets: Record<string, SwarmObjectRef>;
  /** Services that must run on `role=data` nodes besides the stateful ones (uploads on local storage). */
  pinToData: boolean;
  labels: Record<string, string>;
  /** How long Swarm watches an updated task before it counts the update as done (seconds). */
  monitorSeconds: number;
  /** Traefik's Swarm provider reads services from a manager's engine: its socket, read-only, on a manager. */
  managerSocket?: boolean;
}

/**
 * How long an api task keeps serving as usual after its SIGTERM before it drains. Swarm takes a
 * stopping task out of DNS, waits a fixed 2 s for that to reach the other nodes, then signals it;
 * the edge's node learns of it by gossip, which on a busy host takes longer than those 2 s, and the
 * edge then needs one DNS query (templates/swarm) to drop it. Until then requests still arrive.
 */
export const SWARM_DEREGISTER_DELAY_MS = 5_000;

/** Env and stop grace of a service the edge finds through DNS (the api): live for the delay first. */
function deregistration(s: ServicePlan): { env: string[]; graceSeconds: number } {
  if (s.name !== 'api') return { env: [], graceSeconds: s.stopGracePeriodSeconds };
  return { env: [`${ENV.deregisterDelayMs}=${SWARM_DEREGISTER_DELAY_MS}`], graceSeconds: s.stopGracePeriodSeconds + Math.ceil(SWARM_DEREGISTER_DELAY_MS / 1000) };
}

export const swarmName = (project: string, name: string) => `${project}_${name}`;

/** Stateful services are replaced stop-first (two Postgres on one volume must never run); the rest start-first. */
export function updateOrder(s: ServicePlan): 'start-first' | 'stop-first' {
  return s.role === 'stateful' ? 'stop-first' : 'start-first';
}

/** Reservations the scheduler keeps free for a task: a quarter of the CPU and half the memory limit. */
export function reservationsOf(s: ServicePlan): { NanoCPUs: number; MemoryBytes: number } {
  return { NanoCPUs: Math.round((s.resources.cpus / 4) * NS), MemoryBytes: Math.floor(s.resources.memoryBytes / 2) };
}

export function placementOf(s: ServicePlan, pinToData: boolean, replicas: number): Record<string, unknown> {
  const data = s.role === 'stateful' || s.name === 'prometheus' || (pinToData && s.role === 'app');
  const constraints = data ? [`node.labels.${NODE_ROLE_LABEL}==data`] : [];
  if (s.role !== 'app') return { Constraints: constraints };
  // Spread over nodes; unpinned, never more than half the replicas (rounded up) on one node, so a
  // node's loss or drain takes at most half the capacity away.
  const spread = { Constraints: constraints, Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }] };
  return data ? spread : { ...spread, MaxReplicas: Math.max(1, Math.ceil(replicas / 2)) };
}

/** Secret files: the plan names absolute paths; under /run/secrets Swarm takes the file name. */
function secretFileName(target: string, name: string): string {
  if (!target) return name;
  return target.startsWith('/run/secrets/') ? target.slice('/run/secrets/'.length) : target;
}

function mountsOf(project: string, s: ServicePlan): Record<string, unknown>[] {
  return s.volumes.map((v) => {
    if (v.kind === 'tmpfs') return { Type: 'tmpfs', Target: v.target };
    if (v.kind === 'bind') return { Type: 'bind', Source: v.source, Target: v.target, ReadOnly: v.readOnly };
    return { Type: 'volume', Source: swarmName(project, v.source), Target: v.target, ReadOnly: v.readOnly, VolumeOptions: { Labels: { [LABEL.project]: project } } };
  });
}

function restartOf(s: ServicePlan): Record<string, unknown> {
  const condition = s.restart === 'no' ? 'none' : s.restart === 'on-failure' ? 'on-failure' : 'any';
  return { Condition: condition, Delay: 5 * NS, MaxAttempts: 0 };
}

export function buildServiceSpec(i: SwarmSpecInput): Record<string, unknown> {
  const s = i.service;
  const [uid, gid] = (s.user || '0:0').split(':');
  const hc = s.healthcheck;
  const order = updateOrder(s);
  const global = s.name === 'node-exporter';
  const dereg = deregistration(s);
  return {
    Name: swarmName(i.project, s.name),
    Labels: { ...s.labels, ...i.labels, [LABEL.project]: i.project, [LABEL.service]: s.name, [LABEL.role]: s.role },
    TaskTemplate: {
      ContainerSpec: {
        Image: i.image,
        Command: s.entrypoint,
        Args: s.command.length > 0 ? s.command : undefined,
        Env: [...Object.entries(s.env).map(([k, v]) => `${k}=${v}`), ...dereg.env],
        User: s.user || undefined,
        Labels: { [LABEL.project]: i.project, [LABEL.service]: s.name },
        ReadOnly: s.readOnlyRootfs,
        Mounts: [...mountsOf(i.project, s), ...(i.managerSocket ? [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock', ReadOnly: true }] : [])],
        StopSignal: 'SIGTERM',
        StopGracePeriod: dereg.graceSeconds * NS,
        Healthcheck: hc
          ? { Test: hc.test, Interval: hc.intervalSeconds * NS, Timeout: hc.timeoutSeconds * NS, Retries: hc.retries, StartPeriod: hc.startPeriodSeconds * NS }
          : undefined,
        Secrets: s.secrets.map((sec) => ({
          File: { Name: secretFileName(sec.target, sec.name), UID: uid ?? '0', GID: gid ?? uid ?? '0', Mode: 0o400 },
          SecretID: i.secrets[sec.name].id,
          SecretName: i.secrets[sec.name].name,
        })),
        Configs: i.configs.map((c) => ({ File: { Name: c.target, UID: '0', GID: '0', Mode: 0o444 }, ConfigID: c.ref.id, ConfigName: c.ref.name })),
        CapabilityDrop: s.capDrop.length > 0 ? s.capDrop : undefined,
        CapabilityAdd: s.capAdd.length > 0 ? s.capAdd : undefined,
        Init: false,
      },
      Resources: {
        Limits: { NanoCPUs: Math.round(s.resources.cpus * NS), MemoryBytes: s.resources.memoryBytes, Pids: s.resources.pids },
        Reservations: reservationsOf(s),
      },
      RestartPolicy: restartOf(s),
      Placement: global ? {} : i.managerSocket ? { Constraints: ['node.role==manager'] } : placementOf(s, i.pinToData, i.replicas),
      Networks: s.networks.map((n) => ({ Target: swarmName(i.project, n), Aliases: [s.name] })),
      LogDriver: { Name: s.logging.driver, Options: s.logging.options },
    },
    Mode: global ? { Global: {} } : { Replicated: { Replicas: i.replicas } },
    UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: 'rollback', Monitor: i.monitorSeconds * NS, MaxFailureRatio: 0, Order: order },
    RollbackConfig: { Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: i.monitorSeconds * NS, MaxFailureRatio: 0, Order: order },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: s.published.map((p) => ({ Protocol: 'tcp', TargetPort: p.port, PublishedPort: p.hostPort, PublishMode: 'host' })),
    },
  };
}

/** Where each file of a config mount lands: a rendered folder (Prometheus) mounts every file under it. */
export function configTargets(mountFile: string, mountTarget: string, files: string[]): { file: string; target: string }[] {
  return files.map((f) => ({ file: f, target: f === mountFile ? mountTarget : path.posix.join(mountTarget, path.posix.relative(mountFile, f)) }));
}
