// `prodctl up` on the native target: bring every process to what the plan says, in order —
// Postgres (initdb first time, then role and database), Redis, migrations, exporters, API and
// workers, the edge, monitoring — and leave alone what already runs unchanged. A second `up`
// changes nothing and says so.
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { tlsPaths } from '../../edge/tls/cert-store.js';
import { TargetError } from '../../lib/errors.js';
import { serviceUser } from '../../lib/system-user.js';
import { AUTOSCALER_HEALTH_PATH } from '../../plan/autoscale-service.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import { readNativeState, type NativeState } from '../../state/native-state.js';
import { assertServiceRole } from '../service-role.js';
import { writeLastPlan } from '../../state/last-plan.js';
import type { DeployResult, TargetContext } from '../types.js';
import { nativePostgresConfPath, writeNativeConfig } from './native-config.js';
import { assertRuntimeBuild, defaultRelease, readNativeSecrets, resolveNativeEnv, specInput, type NativeEnv } from './native-context.js';
import { drainAtEdge, nativeEdge, saveNativeState, syncEdgeServers } from './native-edge.js';
import { planNativeState } from './native-ports.js';
import { ensureProbeKey } from './probe-key.js';
import { ensurePostgresReady, preparePostgresData } from './postgres-bootstrap.js';
import { apiSpec, autoscalerSpec, edgeSpec, infraSpecs, LOOPBACK, monitoringSpecs, rolloutTimings, runningAsAutoscaler, workerSpec } from './process-specs.js';
import { apiProbe, logTail, waitReady, workerProbe, type Probe } from './readiness.js';
import { ensureSupervisor, tightenLogModes, type SupervisorClient } from './supervisor/supervisor-client.js';
import { hashSpec, type ProcessSpec, type ProcessStatus } from './supervisor/types.js';

interface Reconciler {
  changes: string[];
  unchanged: string[];
  /** Starts the spec unless the same spec already runs; restarts it when its spec changed. */
  ensure(spec: ProcessSpec): Promise<boolean>;
}

/** `beforeStop` runs before a running process is stopped for a restart (the API drains at the edge). */
function createReconciler(client: SupervisorClient, running: Map<string, ProcessStatus>, beforeStop: (id: string) => Promise<void>): Reconciler {
  const r: Reconciler = {
    changes: [],
    unchanged: [],
    async ensure(spec) {
      const cur = running.get(spec.id);
      if (cur && cur.specHash === hashSpec(spec) && cur.state !== 'stopped') {
        r.unchanged.push(spec.id);
        return false;
      }
      if (cur) {
        await beforeStop(spec.id);
        await client.stop(spec.id);
        r.changes.push(`restarted ${spec.id} (its configuration changed)`);
      } else {
        r.changes.push(`started ${spec.id}`);
      }
      await client.start(spec);
      return true;
    },
  };
  return r;
}

export async function ready(env: NativeEnv, id: string, probe: Probe, timeoutMs: number): Promise<void> {
  if (await waitReady(probe, timeoutMs)) return;
  throw new TargetError(`${id} is not ready after ${Math.round(timeoutMs / 1000)} s`, `see its log: prodctl logs ${id}`, logTail(env.paths, id));
}

async function runMigrations(env: NativeEnv, state: NativeState, password: string): Promise<string[]> {
  const { runMigrations: migrate, findMigrationsDir } = await import('../../runtime/core/migrate.js');
  const p = env.plan.profile.postgres;
  const pool = new pg.Pool({ host: LOOPBACK, port: state.ports.postgres, user: p.user, database: p.database, password, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  try {
    const dir = findMigrationsDir(path.join(state.release.build, 'runtime', 'migrations'));
    return (await migrate(pool, { dir, lockTimeoutMs: 60_000 })).map((m) => `applied migration ${m}`);
  } finally {
    await pool.end().catch(() => {});
  }
}

/** `release` is used only when no stack state exists yet (a first `deploy --build`). */
export async function nativeUp(ctx: TargetContext, release?: NativeState['release']): Promise<DeployResult> {
  const t0 = Date.now();
  const env = resolveNativeEnv(ctx);
  const { plan, paths, log } = { ...env, log: ctx.log };
  for (const [c, why] of Object.entries(env.bins.skipped)) log.warn(`${c}: skipped — ${why}`);
  if (env.skipped.has('grafana')) log.warn('grafana: skipped — Debian does not package Grafana; use the Docker target for dashboards');
  const prev = readNativeState(paths.stateFile);
  const { state, notes } = await planNativeState(prev, plan, prev?.release ?? release ?? defaultRelease());
  for (const n of notes) log.warn(n);
  assertRuntimeBuild(state.release.build);
  assertServiceRole(plan);
  const secrets = readNativeSecrets(plan);
  // Uploads, the AOF and the metrics stores: the stack's own account only (older stacks made them 0755).
  for (const d of ['uploads', 'redis', 'prometheus', 'alertmanager']) {
    mkdirSync(path.join(paths.dataDir, d), { recursive: true, mode: 0o700 });
    chmodSync(path.join(paths.dataDir, d), 0o700);
  }
  mkdirSync(path.join(ctx.stateDir, 'textfile'), { recursive: true });
  // HAProxy does not start on an empty certificate folder: the user's pair, or a placeholder until `prodctl tls issue`.
  if (tlsSettings(plan.profile).enabled && !env.skipped.has('edge')) await (await import('../../edge/tls/manage-certs.js')).installEdgeCert(tlsPaths(ctx.stateDir), plan.profile.edge.tls, plan.profile.project.domains, plan.profileDir);
  const hashes = writeNativeConfig({ plan, state, paths, redisPassword: secrets.redis, skipped: env.skipped });
  const input = specInput(env, state, hashes);
  const { deployTimeoutMs } = rolloutTimings(plan);

  const { client } = await ensureSupervisor(ctx.stateDir);
  tightenLogModes(paths);
  const running = new Map((await client.status()).map((s) => [s.id, s]));
  const edgeDrain = nativeEdge(env);
  const rec = createReconciler(client, running, (id) => (edgeDrain && state.api.some((r) => r.id === id) ? drainAtEdge(edgeDrain, id, rolloutTimings(plan).drainMs) : Promise.resolve()));
  const infra = infraSpecs(input, nativePostgresConfPath(paths));
  const byId = (id: string) => infra.find((s) => s.id === id);

  log.step('postgres');
  if (await preparePostgresData(paths, serviceUser('postgres'), secrets.postgresSuperuser, plan.profile.postgres.version)) rec.changes.push('initialised the Postgres data folder');
  await rec.ensure(byId('postgres')!);
  await ready(env, 'postgres', { kind: 'tcp', port: state.ports.postgres }, 60_000);
  rec.changes.push(...(await ensurePostgresReady(plan, paths, state.ports.postgres, { app: secrets.postgres, superuser: secrets.postgresSuperuser })));

  log.step('redis');
  await rec.ensure(byId('redis')!);
  await ready(env, 'redis', { kind: 'tcp', port: state.ports.redis }, 30_000);

  log.step('migrations');
  rec.changes.push(...(await runMigrations(env, state, secrets.postgres)));
  rec.changes.push(...(await ensureProbeKey(env, state, secrets.postgres)));

  log.step('exporters, API and workers');
  for (const s of infra.filter((x) => x.id.endsWith('-exporter'))) await rec.ensure(s);
  for (const r of state.api) await rec.ensure(apiSpec(input, r));
  for (const w of state.workers) await rec.ensure(workerSpec(input, w));
  for (const r of state.api) await ready(env, r.id, apiProbe(r.port), deployTimeoutMs);
  for (const w of state.workers) await ready(env, w.id, workerProbe(w.metricsPort), deployTimeoutMs);

  const edgeProc = edgeSpec(input);
  if (edgeProc) {
    log.step('edge');
    const restarted = await rec.ensure(edgeProc);
    await ready(env, 'edge', { kind: 'tcp', port: state.ports.edgeMetrics }, 15_000);
    const edge = nativeEdge(env)!;
    // A fresh HAProxy starts with the state's servers from haproxy.cfg; a running one may be behind.
    const edgeChanges = await syncEdgeServers(edge, state, deployTimeoutMs);
    if (!restarted) rec.changes.push(...edgeChanges);
  }

  const mon = monitoringSpecs(input);
  if (mon.length) log.step('monitoring');
  for (const s of mon) await rec.ensure(s);
  const readyUrl: Record<string, string | undefined> = {
    prometheus: `http://${LOOPBACK}:${state.ports.prometheus}/-/ready`,
    alertmanager: `http://${LOOPBACK}:${state.ports.alertmanager}/-/ready`,
    'blackbox-exporter': `http://${LOOPBACK}:${state.ports.blackboxExporter}/-/healthy`,
  };
  for (const s of mon) await ready(env, s.id, { kind: 'http', url: readyUrl[s.id]! }, 60_000);

  const ctl = autoscalerSpec(input);

  // Processes the plan no longer has (fewer replicas, a component turned off) go.
  const wanted = new Set([...infra, ...mon, ...(edgeProc ? [edgeProc] : []), ...(ctl || runningAsAutoscaler() ? [{ id: 'autoscaler' }] : [])].map((s) => s.id).concat(state.api.map((r) => r.id), state.workers.map((w) => w.id)));
  for (const id of running.keys()) {
    if (wanted.has(id)) continue;
    if (edgeDrain && /^api-/.test(id)) await drainAtEdge(edgeDrain, id, rolloutTimings(plan).drainMs);
    await client.stop(id);
    rec.changes.push(`stopped ${id} (no longer in the plan)`);
  }

  saveNativeState(env, state);
  writeLastPlan(ctx.stateDir, plan);

  // Last, once the state and endpoints it reads are written: the autoscaler scales through this
  // same reconcile. A scale made by the autoscaler itself leaves it alone (a restart would end that scale).
  if (ctl && !runningAsAutoscaler()) {
    log.step('autoscaler');
    await rec.ensure(ctl);
    await ready(env, ctl.id, { kind: 'http', url: `http://${LOOPBACK}:${state.ports.autoscaler}${AUTOSCALER_HEALTH_PATH}` }, 30_000);
  }
  return {
    outcome: rec.changes.length ? 'applied' : 'noop',
    release: state.release.version,
    durationMs: Date.now() - t0,
    changes: rec.changes.length ? rec.changes : [`${rec.unchanged.length} processes already running unchanged`],
  };
}
