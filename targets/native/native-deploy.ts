// `prodctl deploy` on the native target: a new runtime build rolled out with no failed request.
// API: one replica at a time — start it on free ports, wait for /readyz (deploy timeout), add it
// to HAProxy and confirm the edge routes to it, drain the old one, wait the drain window, take it
// out and stop it. Workers: start the new ones, then stop the old ones gracefully (they finish
// their jobs). A replica that never gets ready stops the rollout: the old ones keep serving and
// the error carries the new replica's last log lines.
import path from 'node:path';
import { TargetError } from '../../lib/errors.js';
import type { NativeRelease, NativeState } from '../../state/native-state.js';
import type { DeployOptions, DeployResult, TargetContext } from '../types.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { assertRuntimeBuild, resolveNativeEnv, specInput, type NativeEnv } from './native-context.js';
import { nativeEdge, saveNativeState } from './native-edge.js';
import { newApiReplica, newWorker } from './native-ports.js';
import { nativeUp } from './native-up.js';
import { apiSpec, LOOPBACK, rolloutTimings, workerSpec, type SpecInput } from './process-specs.js';
import { apiProbe, logTail, waitReady, workerProbe } from './readiness.js';
import { buildVersion } from './release-version.js';
import { findSupervisor, type SupervisorClient } from './supervisor/supervisor-client.js';
import { hashSpec } from './supervisor/types.js';
import { readNativeState } from '../../state/native-state.js';

interface Rollout {
  env: NativeEnv;
  sup: SupervisorClient;
  state: NativeState;
  input: SpecInput;
  release: NativeRelease;
  edge: EdgeSwitch | null;
  deployTimeoutMs: number;
  drainMs: number;
  changes: string[];
}

function refuse(r: Rollout, id: string, what: string): TargetError {
  const old = r.state.api.map((x) => x.id).join(', ');
  return new TargetError(
    `${id} (${r.release.version}) ${what}; rollout stopped — ${old || 'the old replicas'} keep serving ${r.state.release.version}`,
    `fix the build and deploy again; its full log: prodctl logs ${id}`,
    logTail(r.env.paths, id),
  );
}

async function rollApi(r: Rollout): Promise<void> {
  const { sup, state, edge } = r;
  for (const old of [...state.api]) {
    const next = await newApiReplica(state);
    r.env.ctx.log.step(`api: starting ${next.id} (${r.release.version}) on ${LOOPBACK}:${next.port}`);
    await sup.start(apiSpec(r.input, next, r.release));
    if (!(await waitReady(apiProbe(next.port), r.deployTimeoutMs))) {
      const err = refuse(r, next.id, `did not pass /readyz within ${Math.round(r.deployTimeoutMs / 1000)} s`);
      await sup.stop(next.id);
      throw err;
    }
    if (edge) {
      await edge.addServer(next.id, `${LOOPBACK}:${next.port}`);
      try {
        await edge.confirmRouting(next.id, r.deployTimeoutMs);
      } catch (e) {
        const err = refuse(r, next.id, `was not taken into the edge: ${(e as Error).message}`);
        await edge.removeServer(next.id, 5_000);
        await sup.stop(next.id);
        throw err;
      }
    }
    state.api.push(next);
    saveNativeState(r.env, state);
    if (edge) {
      r.env.ctx.log.step(`api: draining ${old.id} (up to ${r.drainMs} ms)`);
      await edge.drainServer(old.id, r.drainMs);
      await edge.removeServer(old.id, 10_000);
    }
    await sup.stop(old.id);
    state.api = state.api.filter((x) => x.id !== old.id);
    saveNativeState(r.env, state);
    r.changes.push(`api: ${old.id} → ${next.id}`);
  }
}

async function rollWorkers(r: Rollout): Promise<void> {
  const { sup, state } = r;
  const olds = [...state.workers];
  const news = [];
  for (let i = 0; i < olds.length; i++) {
    const w = await newWorker(state, news.map((n) => n.metricsPort));
    r.env.ctx.log.step(`worker: starting ${w.id} (${r.release.version})`);
    await sup.start(workerSpec(r.input, w, r.release));
    news.push(w);
  }
  for (const w of news) {
    if (await waitReady(workerProbe(w.metricsPort), r.deployTimeoutMs)) continue;
    const err = refuse(r, w.id, `did not pass /readyz within ${Math.round(r.deployTimeoutMs / 1000)} s`);
    for (const n of news) await sup.stop(n.id);
    throw err;
  }
  state.workers.push(...news);
  saveNativeState(r.env, state);
  // Graceful: each old worker finishes its active jobs within its stop grace period.
  await Promise.all(olds.map((o) => sup.stop(o.id)));
  state.workers = state.workers.filter((w) => !olds.includes(w));
  r.changes.push(`workers: ${olds.map((o) => o.id).join(', ')} → ${news.map((n) => n.id).join(', ')}`);
}

export async function nativeDeploy(ctx: TargetContext, o: DeployOptions): Promise<DeployResult> {
  const t0 = Date.now();
  const env = resolveNativeEnv(ctx);
  const build = path.resolve(o.build ?? readNativeState(env.paths.stateFile)?.release.build ?? '.');
  const prev = readNativeState(env.paths.stateFile);
  const sup = await findSupervisor(ctx.stateDir);
  if (o.build) assertRuntimeBuild(build);
  const release: NativeRelease = { version: o.version ?? buildVersion(o.build ? build : (prev?.release.build ?? build)), build: o.build ? build : (prev?.release.build ?? build), at: new Date().toISOString() };
  // Nothing runs yet: a deploy is an `up` of this release.
  if (!prev || !sup) return nativeUp(ctx, release);
  assertRuntimeBuild(release.build);
  const state = structuredClone(prev);
  const input = specInput(env, state, {});
  const running = new Map((await sup.status()).map((s) => [s.id, s.specHash]));
  const same = state.api.every((a) => running.get(a.id) === hashSpec(apiSpec(input, a, release))) && state.workers.every((w) => running.get(w.id) === hashSpec(workerSpec(input, w, release)));
  if (same && release.version === prev.release.version) return { outcome: 'noop', release: release.version, durationMs: Date.now() - t0, changes: [] };
  const r: Rollout = { env, sup, state, input, release, edge: nativeEdge(env), ...rolloutTimings(env.plan), changes: [] };
  try {
    await rollApi(r);
    await rollWorkers(r);
  } finally {
    saveNativeState(env, state);
  }
  state.release = release;
  saveNativeState(env, state);
  return { outcome: 'applied', release: release.version, durationMs: Date.now() - t0, changes: r.changes };
}
