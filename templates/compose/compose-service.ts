// One plan service as a compose service entry. Hardening comes from the plan (plan/harden.ts);
// this file only translates it into compose-spec keys, the same for docker and swarm except where
// swarm ignores a key (restart, depends_on) and needs its `deploy:` twin instead.
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { configName, isConfigDir } from './compose-configs.js';

/** Docker's size notation, exact: whole MiB/GiB when they divide, else bytes. */
export function formatDockerSize(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}G`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}M`;
  return `${bytes}b`;
}

export function seconds(n: number): string {
  return `${n}s`;
}

function healthcheckOf(s: ServicePlan): Record<string, unknown> | undefined {
  const h = s.healthcheck;
  if (!h) return undefined;
  return { test: h.test, interval: seconds(h.intervalSeconds), timeout: seconds(h.timeoutSeconds), retries: h.retries, start_period: seconds(h.startPeriodSeconds) };
}

function mountsOf(s: ServicePlan): Record<string, unknown>[] {
  const volumes = s.volumes
    .filter((v) => v.kind !== 'tmpfs')
    .map((v) => ({ type: v.kind, source: v.source, target: v.target, read_only: v.readOnly }));
  // Rendered folders (Prometheus rules, Grafana provisioning) cannot be compose configs: bind them read-only.
  const dirs = s.configs.filter((c) => isConfigDir(c.file)).map((c) => ({ type: 'bind', source: `./${c.file}`, target: c.target, read_only: true }));
  return [...volumes, ...dirs];
}

/** Swarm's restart policy; compose's `restart:` is ignored by `docker stack deploy`. */
function swarmRestart(s: ServicePlan): Record<string, unknown> {
  const condition = s.restart === 'no' ? 'none' : s.restart === 'on-failure' ? 'on-failure' : 'any';
  return { condition, delay: '5s', window: '60s' };
}

function deployOf(s: ServicePlan, plan: StackPlan): Record<string, unknown> {
  const limits = { cpus: String(s.resources.cpus), memory: formatDockerSize(s.resources.memoryBytes), pids: s.resources.pids };
  const deploy: Record<string, unknown> = { replicas: s.replicas, resources: { limits } };
  if (plan.target !== 'swarm') return deploy;
  const stateless = s.role === 'app';
  return {
    ...deploy,
    // No IPVS on these hosts: DNS round-robin instead of a virtual IP.
    endpoint_mode: 'dnsrr',
    restart_policy: swarmRestart(s),
    // App replicas start their successor first (no gap); stateful services must never run twice on one volume.
    update_config: { parallelism: 1, order: stateless ? 'start-first' : 'stop-first', failure_action: 'rollback', monitor: '30s' },
    rollback_config: { parallelism: 1, order: stateless ? 'start-first' : 'stop-first' },
  };
}

function portsOf(s: ServicePlan, plan: StackPlan): Record<string, unknown>[] {
  // Host mode on swarm: the routing mesh needs IPVS; the edge is pinned one replica per published node.
  // Swarm cannot bind a published port to one address (no host_ip): it listens on all of them.
  return s.published.map((p) => ({ target: p.port, published: p.hostPort, protocol: 'tcp', ...(plan.target === 'swarm' ? { mode: 'host' } : { host_ip: p.hostIp }) }));
}

function dependsOnOf(s: ServicePlan, plan: StackPlan): Record<string, unknown> | undefined {
  if (plan.target === 'swarm' || s.dependsOn.length === 0) return undefined;
  const byName = new Map(plan.services.map((x) => [x.name, x]));
  const deps = s.dependsOn.filter((d) => byName.has(d));
  if (deps.length === 0) return undefined;
  return Object.fromEntries(deps.map((d) => [d, { condition: byName.get(d)!.healthcheck ? 'service_healthy' : 'service_started' }]));
}

export function composeService(s: ServicePlan, plan: StackPlan): Record<string, unknown> {
  const fileConfigs = s.configs.filter((c) => !isConfigDir(c.file)).map((c) => ({ source: configName(c.file), target: c.target }));
  const entry: Record<string, unknown> = {
    image: s.image,
    entrypoint: s.entrypoint,
    command: s.command.length ? s.command : undefined,
    user: s.user,
    read_only: s.readOnlyRootfs,
    tmpfs: s.volumes.filter((v) => v.kind === 'tmpfs').map((v) => v.target),
    cap_drop: s.capDrop,
    cap_add: s.capAdd.length ? s.capAdd : undefined,
    security_opt: s.securityOpt,
    privileged: s.privileged ? true : undefined,
    restart: plan.target === 'swarm' ? undefined : s.restart,
    stop_grace_period: seconds(s.stopGracePeriodSeconds),
    environment: Object.keys(s.env).length ? s.env : undefined,
    secrets: s.secrets.length ? s.secrets.map((x) => ({ source: x.name, target: x.target })) : undefined,
    configs: fileConfigs.length ? fileConfigs : undefined,
    volumes: mountsOf(s).length ? mountsOf(s) : undefined,
    ports: s.published.length ? portsOf(s, plan) : undefined,
    expose: s.ports.length ? s.ports.map((p) => String(p.port)) : undefined,
    networks: s.networks,
    healthcheck: healthcheckOf(s),
    depends_on: dependsOnOf(s, plan),
    labels: s.labels,
    logging: { driver: s.logging.driver, options: s.logging.options },
    deploy: deployOf(s, plan),
  };
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== undefined));
}
