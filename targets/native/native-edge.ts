// The native edge: HAProxy switched over its admin socket. Also keeps the file-based views of the
// API set current (haproxy.cfg for the next HAProxy start, Prometheus file_sd targets, endpoints).
import { createHaproxySwitch } from '../../edge/haproxy/haproxy-switch.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { writeEndpoints, writeNativeState, type NativeEndpoints, type NativeState } from '../../state/native-state.js';
import { edgeCheckTimings, haproxyCheckArgs } from '../../templates/haproxy/haproxy-health.js';
import { HAPROXY_API_BACKEND } from '../../templates/haproxy/render-haproxy.js';
import { edgeSocketPath, renderNativeHaproxy, writeIfChanged, writeScrapeTargets } from './native-config.js';
import type { NativeEnv } from './native-context.js';
import { LOOPBACK, nativeUploadsDir } from './process-specs.js';
import path from 'node:path';

export function nativeEdge(env: NativeEnv): EdgeSwitch | null {
  if (env.skipped.has('edge')) return null;
  return createHaproxySwitch({
    endpoint: edgeSocketPath(env.paths),
    backend: HAPROXY_API_BACKEND,
    checkArgs: haproxyCheckArgs(edgeCheckTimings(env.plan.profile)),
    serverMaxConnections: env.plan.profile.edge.haproxy.server_max_connections,
  });
}

/** Puts the edge's server set in line with the state's API replicas; returns what changed. */
export async function syncEdgeServers(edge: EdgeSwitch, state: NativeState, timeoutMs: number): Promise<string[]> {
  const changes: string[] = [];
  const live = await edge.listServers();
  for (const r of state.api) {
    const addr = `${LOOPBACK}:${r.port}`;
    const cur = live.find((s) => s.name === r.id);
    // A replica drained for a restart comes back as a fresh server.
    if (cur && cur.address === addr && cur.state !== 'drain' && cur.state !== 'maint') continue;
    if (cur) await edge.removeServer(r.id, 5_000);
    await edge.addServer(r.id, addr);
    changes.push(`edge: added ${r.id}`);
  }
  for (const s of live) {
    if (state.api.some((r) => r.id === s.name)) continue;
    await edge.drainServer(s.name, timeoutMs);
    await edge.removeServer(s.name, 5_000);
    changes.push(`edge: removed ${s.name}`);
  }
  for (const r of state.api) await edge.confirmRouting(r.id, timeoutMs);
  return changes;
}

/** endpoints.json: where everything runs, plus the uploads folder the API and workers write
 *  (what `prodctl backup` reads as the files part). */
export type NativeStackEndpoints = NativeEndpoints & { uploadsDir: string };

export function endpointsOf(env: NativeEnv, s: NativeState): NativeStackEndpoints {
  const host = env.plan.profile.edge.bind === '0.0.0.0' ? LOOPBACK : env.plan.profile.edge.bind;
  return {
    uploadsDir: nativeUploadsDir(env.paths),
    postgres: { host: LOOPBACK, port: s.ports.postgres },
    redis: { host: LOOPBACK, port: s.ports.redis },
    api: s.api.map((r) => ({ id: r.id, host: LOOPBACK, port: r.port, metricsPort: r.metricsPort })),
    workers: s.workers.map((w) => ({ id: w.id, host: LOOPBACK, metricsPort: w.metricsPort })),
    edge: env.skipped.has('edge') ? null : { host, port: s.ports.edge, socket: edgeSocketPath(env.paths), ...(s.ports.edgeHttps ? { httpsPort: s.ports.edgeHttps } : {}) },
    prometheus: env.skipped.has('prometheus') || !env.plan.profile.monitoring.enabled ? null : { url: `http://${LOOPBACK}:${s.ports.prometheus}` },
    alertmanager: env.skipped.has('alertmanager') || !env.plan.profile.monitoring.enabled ? null : { url: `http://${LOOPBACK}:${s.ports.alertmanager}` },
  };
}

/** Saves the state and every file derived from it. Called after each step of a rollout, so a
 *  crash in the middle leaves files that describe what runs. */
export function saveNativeState(env: NativeEnv, s: NativeState): void {
  writeNativeState(env.paths.stateFile, s);
  writeEndpoints(env.paths.endpointsFile, endpointsOf(env, s));
  writeIfChanged(path.join(env.paths.configDir, 'haproxy', 'haproxy.cfg'), renderNativeHaproxy(env.plan, s, env.paths, true));
  writeScrapeTargets(env.plan, s, env.paths, env.skipped);
}

/** Before a SIGTERM of an API replica: out of the edge's rotation, requests in flight finished.
 *  An edge that is not running (first start) or does not know the replica has nothing to drain. */
export async function drainAtEdge(edge: EdgeSwitch, id: string, timeoutMs: number): Promise<void> {
  const known = await edge.listServers().catch(() => []);
  if (!known.some((s) => s.name === id && s.state !== 'maint')) return;
  await edge.drainServer(id, timeoutMs);
}
