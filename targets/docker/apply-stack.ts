// Applies a plan to the engine, idempotently: networks, volumes, secrets → stateful services and
// infrastructure (recreated only when their config hash changed) → migrations (one-off) → edge
// → API rolled one replica at a time through the edge → workers rolled. Pure decisions live in
// container-spec / stage-files; this file sequences the effects.
import type Docker from 'dockerode';
import { ENV } from '../../contract/index.js';
import { edgeCheckTimings, haproxyCheckArgs } from '../../templates/haproxy/haproxy-health.js';
import { createHaproxySwitch } from '../../edge/haproxy/haproxy-switch.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { TargetError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { parseDuration } from '../../profile/units.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { buildContainerSpec, type SpecInput } from './container-spec.js';
import { createAndStart, listServiceContainers, readLogTail, stopAndRemove, waitHealthy } from './containers.js';
import { ADMIN_PORT_NAME, LABEL } from '../../engine/labels.js';
import { makeContainerName, rollService, type RollResult } from './roll-service.js';
import { stageEdgeTls } from './edge-tls-files.js';
import { hashText, stageFiles } from './stage-files.js';
import { assignVolumeOwners, selectVolumeOwners } from './volume-owner.js';

export interface ApplyInput {
  docker: Docker;
  plan: StackPlan;
  renderedDir: string;
  stateDir: string;
  log: Logger;
  /** Image per app service (api, worker) when deploying a specific build. */
  images: Record<string, string>;
  replicas: Record<string, number>;
  releaseLabels: Record<string, string>;
}

export interface ApplyResult {
  changes: string[];
  planHash: string;
}


export const networkName = (project: string, n: string) => `${project}_${n}`;
export const volumeName = (project: string, v: string) => `${project}_${v}`;

export function computePlanHash(configHash: Record<string, string>, replicas: Record<string, number>): string {
  return hashText(JSON.stringify(Object.entries(configHash).sort()), JSON.stringify(Object.entries(replicas).sort()));
}

export async function applyStack(a: ApplyInput): Promise<ApplyResult> {
  const { docker, plan, log } = a;
  const project = plan.project;
  const staged = stageFiles(plan, a.renderedDir, a.stateDir, a.images);
  const desired = Object.fromEntries(plan.services.map((s) => [s.name, a.replicas[s.name] ?? s.replicas]));
  const planHash = computePlanHash(staged.configHash, desired);
  const changes: string[] = [];
  const newVolumes = await ensureNetworksAndVolumes(docker, plan, changes);
  await assignVolumeOwners(docker, project, selectVolumeOwners(plan, newVolumes, (s) => a.images[s.name] ?? s.image), (v) => volumeName(project, v), log);
  const tlsMounts = Object.fromEntries(await Promise.all(plan.services.map(async (s) => [s.name, await stageEdgeTls(plan, s, a.stateDir)] as const)));
  const specBase = (s: ServicePlan): Omit<SpecInput, 'containerName' | 'service' | 'publish'> => ({
    project,
    configDir: staged.configDir[s.name],
    secretsDir: staged.secretsDir,
    networkName: (n) => networkName(project, n),
    volumeName: (v) => volumeName(project, v),
    image: a.images[s.name] ?? s.image,
    labels: { [LABEL.project]: project, [LABEL.service]: s.name, [LABEL.role]: s.role, [LABEL.configHash]: staged.configHash[s.name], ...a.releaseLabels },
    extraMounts: tlsMounts[s.name],
  });
  const timeoutMs = parseDuration(plan.profile.deploy.timeout);
  const byRole = (role: ServicePlan['role']) => plan.services.filter((s) => s.role === role);

  // Services of one step start together and are health-gated together: their probes run on
  // intervals of 5–30 s, so one after the other would add those intervals up.
  const startStep = async (role: ServicePlan['role']) => {
    const step = byRole(role);
    const results = await Promise.allSettled(step.map((s) => recreateIfChanged(a, s, desired[s.name], staged.configHash[s.name], specBase(s), timeoutMs)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    step.forEach((s, i) => {
      if ((results[i] as PromiseFulfilledResult<boolean>).value) changes.push(`${s.name}: recreated (config changed)`);
    });
  };
  // Postgres and Redis first (everything talks to them), then the edge.
  await startStep('stateful');
  await startStep('edge');
  // Monitoring is off the request path: it comes up, health-gated, while the app rolls, and a
  // failure there still fails (and undoes) the deploy.
  const monitoring = startStep('monitoring');
  monitoring.catch(() => undefined);
  const api = plan.services.find((s) => s.name === 'api');
  const edgeService = plan.services.find((s) => s.role === 'edge');
  const rolled: RollResult[] = [];
  try {
    if (api && desired.api > 0) await runMigrations(a, api, specBase(api), staged.configHash.api, changes);
    const edge = api && edgeService ? await connectEdge(docker, project, edgeService, api, plan.profile.edge.haproxy.server_max_connections, haproxyCheckArgs(edgeCheckTimings(plan.profile))) : undefined;
    if (edge) await reconcileEdge(docker, project, edge.edge, edge.network, edge.port);
    for (const s of byRole('app')) {
      const r = await rollService({
        docker,
        log,
        service: s,
        desired: desired[s.name],
        configHash: staged.configHash[s.name],
        timeoutMs,
        spec: specBase(s),
        edge: s.name === 'api' && edge ? { ...edge, drainMs: parseDuration(plan.profile.api.drain_window) } : undefined,
      });
      rolled.push(r);
      if (r.changed) changes.push(`${s.name}: started ${r.started.length}, stopped ${r.stopped.length}`);
    }
    await monitoring;
  } catch (err) {
    // Nothing may still be starting when the lock is released.
    await monitoring.catch(() => undefined);
    // A later service failed: the services already rolled go back too, newest first.
    for (const r of rolled.reverse()) await r.undo();
    throw err;
  }
  for (const r of rolled) await r.commit();
  return { changes, planHash };
}

async function ensureNetworksAndVolumes(docker: Docker, plan: StackPlan, changes: string[]): Promise<string[]> {
  const nets = new Set((await docker.listNetworks()).map((n) => n.Name));
  for (const n of plan.networks) {
    const name = networkName(plan.project, n.name);
    if (nets.has(name)) continue;
    await docker.createNetwork({ Name: name, Driver: 'bridge', Internal: n.internal, Labels: { [LABEL.project]: plan.project } });
    changes.push(`network ${name}: created`);
  }
  const vols = new Set(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name));
  const created: string[] = [];
  for (const v of plan.volumes) {
    const name = volumeName(plan.project, v);
    if (vols.has(name)) continue;
    await docker.createVolume({ Name: name, Labels: { [LABEL.project]: plan.project } });
    created.push(v);
    changes.push(`volume ${name}: created`);
  }
  return created;
}

/** Stateful and infrastructure services: replaced (stop, then start) only when their hash changed. */
async function recreateIfChanged(a: ApplyInput, s: ServicePlan, count: number, hash: string, spec: Omit<SpecInput, 'containerName' | 'service' | 'publish'>, timeoutMs: number): Promise<boolean> {
  const current = await listServiceContainers(a.docker, a.plan.project, s.name, true);
  const ok = current.filter((c) => c.State === 'running' && c.Labels[LABEL.configHash] === hash);
  if (ok.length === count && ok.length === current.length) return false;
  for (const c of current) {
    a.log.info(`${s.name}: stopping ${c.Names[0].slice(1)}`);
    await stopAndRemove(a.docker, c.Id, s.stopGracePeriodSeconds);
  }
  for (let n = 0; n < count; n++) {
    const name = makeContainerName(a.plan.project, s.name, hash);
    a.log.info(`${s.name}: starting ${name}`);
    const c = await createAndStart(a.docker, buildContainerSpec({ ...spec, service: s, containerName: name, publish: n === 0 }));
    await waitHealthy(a.docker, c.id, timeoutMs);
  }
  return true;
}

/**
 * The runtime's own migrator (dist/runtime/core/migrate.js under its advisory lock), run with the
 * API's environment and secrets. Used when the API is the prodctl runtime (it reads MIGRATE_ON_START)
 * and no `prodctl.migrate-command` label names another command.
 */
export const RUNTIME_MIGRATE_COMMAND = [
  'node',
  '--input-type=module',
  '-e',
  [
    "const { readConfig } = await import(process.cwd() + '/dist/runtime/core/config.js');",
    "const { createPool } = await import(process.cwd() + '/dist/runtime/core/db.js');",
    "const { runMigrations } = await import(process.cwd() + '/dist/runtime/core/migrate.js');",
    "const cfg = readConfig(process.env, 'api'); const pool = createPool(cfg.pg);",
    'try { const applied = await runMigrations(pool, { dir: cfg.migrationsDir, lockTimeoutMs: 60000 });',
    "console.log('migrations applied: ' + (applied.join(', ') || 'none (schema current)')); } finally { await pool.end(); }",
  ].join(' '),
];

export function selectMigrateCommand(api: ServicePlan): string[] | undefined {
  const raw = api.labels['prodctl.migrate-command'];
  if (raw) return JSON.parse(raw) as string[];
  return ENV.migrateOnStart in api.env ? RUNTIME_MIGRATE_COMMAND : undefined;
}

/** Migrations run once per API config in a one-off container of the new API image. */
async function runMigrations(a: ApplyInput, api: ServicePlan, spec: Omit<SpecInput, 'containerName' | 'service' | 'publish'>, hash: string, changes: string[]): Promise<void> {
  const command = selectMigrateCommand(api);
  if (!command) return;
  const running = await listServiceContainers(a.docker, a.plan.project, 'api');
  if (running.some((c) => c.Labels[LABEL.configHash] === hash)) return;
  const name = `${a.plan.project}-migrate-${hash.slice(0, 8)}`;
  const built = buildContainerSpec({ ...spec, service: { ...api, command, healthcheck: null, restart: 'no', published: [] }, containerName: name, publish: false });
  (built.body.Labels as Record<string, string>)[LABEL.oneOff] = 'true';
  await a.docker.getContainer(name).remove({ force: true }).catch(() => undefined);
  a.log.info(`migrations: running ${name}`);
  const c = await createAndStart(a.docker, built);
  const { StatusCode } = (await c.wait()) as { StatusCode: number };
  const tail = await readLogTail(a.docker, c.id);
  await c.remove({ force: true }).catch(() => undefined);
  if (StatusCode !== 0) throw new TargetError(`migrations failed (exit ${StatusCode})`, 'fix the migration and deploy again; nothing was rolled', tail);
  changes.push('migrations: applied');
}

/** The running edge's runtime API, `127.0.0.1:<port>` as published on the engine host's loopback; undefined when no edge runs. */
export async function findEdgeAdmin(docker: Docker, project: string, edgeService: ServicePlan): Promise<string | undefined> {
  const admin = edgeService.ports.find((p) => p.name === ADMIN_PORT_NAME);
  const [edgeC] = (await listServiceContainers(docker, project, edgeService.name)).filter((c) => c.State === 'running');
  if (!admin || !edgeC) return undefined;
  const hostPort = edgeC.Ports.find((p) => p.PrivatePort === admin.port && p.PublicPort)?.PublicPort;
  if (!hostPort) throw new TargetError(`the edge's admin port ${admin.port} is not published`, 'publish it on 127.0.0.1 in the plan (edge.published)');
  return `127.0.0.1:${hostPort}`;
}

/** Finds the running edge and its admin port, published on the engine host's loopback. */
async function connectEdge(docker: Docker, project: string, edgeService: ServicePlan, api: ServicePlan, serverMaxConnections: number, checkArgs: string): Promise<{ edge: EdgeSwitch; network: string; port: number } | undefined> {
  const endpoint = await findEdgeAdmin(docker, project, edgeService);
  if (!endpoint) return undefined;
  const shared = edgeService.networks.find((n) => api.networks.includes(n));
  if (!shared) throw new TargetError('the edge and the API share no network', 'put both on the same plan network');
  const apiPort = (api.ports.find((p) => p.name === 'http') ?? api.ports[0]).port;
  const backend = edgeService.labels['prodctl.edge.backend'] ?? 'api';
  const edge = createHaproxySwitch({ endpoint, backend, checkArgs, serverMaxConnections });
  return { edge, network: networkName(project, shared), port: apiPort };
}

/** After an edge restart its dynamic servers are gone: put every healthy API replica back. */
async function reconcileEdge(docker: Docker, project: string, edge: EdgeSwitch, network: string, port: number): Promise<void> {
  const known = new Set((await edge.listServers()).map((s) => s.name));
  for (const c of (await listServiceContainers(docker, project, 'api')).filter((x) => x.State === 'running')) {
    const name = c.Names[0].slice(1);
    if (known.has(name)) continue;
    const ip = c.NetworkSettings.Networks[network]?.IPAddress;
    if (ip) await edge.addServer(name, `${ip}:${port}`);
  }
}

