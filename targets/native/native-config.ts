// Writes the native stack's config files into <state>/native/config: the same renderers as the
// other targets, given loopback addresses and the state folder's paths instead of container ones.
// postgresql.conf and redis.conf are the rendered files byte for byte (the renderers are pure, so
// this is what `prodctl render` writes); the native port, addresses and paths are layered on top
// (Postgres: `-c` flags, which win over the file; Redis: lines after an `include`). A copy in the
// state folder, not the rendered folder: a process restarted after a crash must read the config
// it was started with, whatever another command rendered since.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StackPlan } from '../../plan/types.js';
import type { NativeState } from '../../state/native-state.js';
import { tlsPaths } from '../../edge/tls/cert-store.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import { renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';
import type { HaproxyTlsOptions } from '../../templates/haproxy/render-haproxy-tls.js';
import { nativeProbeTargets, probesEnabled } from '../../templates/monitoring/blackbox.js';
import { renderMonitoring } from '../../templates/monitoring/render-monitoring.js';
import { renderPostgresqlConf } from '../../templates/postgres/render-postgresql-conf.js';
import { renderRedisConf } from '../../templates/redis/render-redis-conf.js';
import type { NativeComponent } from './binaries.js';
import { nativeHbaPaths, renderNativeHba, renderNativeIdent } from './postgres-hba.js';
import { LOOPBACK } from './process-specs.js';
import { nativeProbeKeyFile } from './probe-key.js';
import type { NativePaths } from './supervisor/paths.js';

export function hashText(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 16);
}

/** Writes a file only when its content changed (temp file + rename: no reader sees half of it). */
export function writeIfChanged(file: string, content: string, mode = 0o644): boolean {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
  return true;
}

export function edgeSocketPath(paths: NativePaths): string {
  return path.join(paths.root, 'run', 'haproxy.sock');
}

/** HAProxy needs two file descriptors per connection; stay under this machine's hard limit. */
export function maxEdgeConnections(wanted: number): number {
  try {
    const m = /^Max open files\s+\S+\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Math.max(100, Math.min(wanted, Math.floor((Number(m[1]) - 200) / 2))) : wanted;
  } catch {
    return wanted;
  }
}

export function renderNativeHaproxy(plan: StackPlan, state: NativeState, paths: NativePaths, withServers: boolean): string {
  return renderHaproxyConfig(plan, {
    bind: `${plan.profile.edge.bind}:${state.ports.edge}`,
    adminSocket: edgeSocketPath(paths),
    metricsBind: `${LOOPBACK}:${state.ports.edgeMetrics}`,
    maxConnections: maxEdgeConnections(plan.profile.edge.haproxy.max_connections),
    servers: withServers ? state.api.map((r) => ({ name: r.id, address: `${LOOPBACK}:${r.port}` })) : [],
    ...nativeTlsOptions(plan, state, paths),
  });
}

/** HTTPS on the state's port, certificates and the ACME map from <state>/tls (edge/tls/cert-store). */
function nativeTlsOptions(plan: StackPlan, state: NativeState, paths: NativePaths): HaproxyTlsOptions {
  if (!tlsSettings(plan.profile).enabled) return {};
  const tls = tlsPaths(path.dirname(paths.root));
  const port = state.ports.edgeHttps ?? plan.profile.edge.https_port;
  return { httpsBind: `${plan.profile.edge.bind}:${port}`, httpsPublicPort: port, certDir: tls.certDir, acmeMap: tls.acmeMap };
}

/** The rendered postgresql.conf in the state folder; Postgres runs with `-c config_file=` this. */
export function nativePostgresConfPath(paths: NativePaths): string {
  return path.join(paths.configDir, 'postgres', 'postgresql.conf');
}

/** The native redis.conf: the rendered file included, then what only the native stack knows. */
export function nativeRedisConf(state: NativeState, paths: NativePaths, password: string): string {
  return [
    '# Native Redis: the rendered redis.conf, then the native address, paths and password.',
    `include ${path.join(paths.configDir, 'redis', 'rendered.conf')}`,
    `port ${state.ports.redis}`,
    `bind ${LOOPBACK}`,
    `dir ${path.join(paths.dataDir, 'redis')}`,
    'pidfile ""',
    // The password lives in this mode-600 file, never on a command line.
    `requirepass ${password}`,
    '',
  ].join('\n');
}

/** file_sd target files for the native Prometheus, one per scrape job. */
function scrapeTargets(state: NativeState, skipped: Set<string>): Record<string, string[]> {
  const at = (port: number) => `${LOOPBACK}:${port}`;
  const p = state.ports;
  const t: Record<string, string[]> = {
    prometheus: [at(p.prometheus)],
    alertmanager: skipped.has('alertmanager') ? [] : [at(p.alertmanager)],
    api: state.api.map((r) => at(r.metricsPort)),
    worker: state.workers.map((w) => at(w.metricsPort)),
    postgres: skipped.has('postgres-exporter') ? [] : [at(p.postgresExporter)],
    redis: skipped.has('redis-exporter') ? [] : [at(p.redisExporter)],
    node: skipped.has('node-exporter') ? [] : [at(p.nodeExporter)],
    edge: skipped.has('edge') ? [] : [at(p.edgeMetrics)],
    autoscaler: p.autoscaler ? [at(p.autoscaler)] : [],
  };
  return t;
}

export function writeScrapeTargets(plan: StackPlan, state: NativeState, paths: NativePaths, skipped: Set<string>): void {
  const file = (job: string) => path.join(paths.configDir, 'prometheus', 'targets', `${job}.json`);
  for (const [job, targets] of Object.entries(scrapeTargets(state, skipped))) {
    writeIfChanged(file(job), `${JSON.stringify([{ targets, labels: { project: plan.project } }], null, 2)}\n`);
  }
  if (!probesEnabled(plan)) return;
  // The probes reach the edge where clients do; without an edge or exporter there is nothing to probe.
  const running = !skipped.has('edge') && !skipped.has('blackbox-exporter') && state.ports.blackboxExporter;
  const host = plan.profile.edge.bind === '0.0.0.0' ? LOOPBACK : plan.profile.edge.bind;
  const edge = { host, httpPort: state.ports.edge, httpsPort: state.ports.edgeHttps };
  const probes = nativeProbeTargets(plan, edge, `${LOOPBACK}:${state.ports.blackboxExporter}`, nativeProbeKeyFile(plan, paths) !== null);
  for (const [job, entries] of Object.entries(probes)) writeIfChanged(file(job), `${JSON.stringify(running ? entries : [], null, 2)}\n`);
}

/** Writes every config file; returns each component's config hash. */
export function writeNativeConfig(o: { plan: StackPlan; state: NativeState; paths: NativePaths; redisPassword: string; skipped: Set<string> }): Partial<Record<NativeComponent, string>> {
  const { plan, state, paths } = o;
  const c = paths.configDir;
  const hashes: Partial<Record<NativeComponent, string>> = {};
  const pgConf = renderPostgresqlConf(plan).content;
  writeIfChanged(nativePostgresConfPath(paths), pgConf);
  const hba = renderNativeHba();
  const ident = renderNativeIdent([os.userInfo().username]);
  writeIfChanged(nativeHbaPaths(paths).hba, hba);
  writeIfChanged(nativeHbaPaths(paths).ident, ident);
  hashes.postgres = hashText(pgConf, hba, ident);
  const renderedRedis = renderRedisConf(plan).content;
  const redis = nativeRedisConf(state, paths, o.redisPassword);
  writeIfChanged(path.join(c, 'redis', 'rendered.conf'), renderedRedis);
  writeIfChanged(path.join(c, 'redis', 'redis.conf'), redis, 0o600);
  hashes.redis = hashText(redis, renderedRedis);
  writeIfChanged(path.join(c, 'redis-exporter', 'passwords.json'), JSON.stringify({ [`redis://${LOOPBACK}:${state.ports.redis}`]: o.redisPassword }), 0o600);
  // The server list changes with every deploy through the runtime API; it is not a reason to restart.
  hashes.edge = hashText(renderNativeHaproxy(plan, state, paths, false));
  writeIfChanged(path.join(c, 'haproxy', 'haproxy.cfg'), renderNativeHaproxy(plan, state, paths, true));
  const monitoring = renderMonitoring({ ...plan, target: 'native' }, { probeKeyFile: nativeProbeKeyFile(plan, paths) });
  for (const f of monitoring) writeIfChanged(path.join(c, f.path), f.content, f.mode ?? 0o644);
  hashes.prometheus = hashText(...monitoring.filter((f) => f.path.startsWith('prometheus/')).map((f) => f.path + f.content));
  hashes.alertmanager = hashText(...monitoring.filter((f) => f.path.startsWith('alertmanager/')).map((f) => f.content));
  hashes['blackbox-exporter'] = hashText(...monitoring.filter((f) => f.path.startsWith('blackbox/')).map((f) => f.content));
  writeScrapeTargets(plan, state, paths, o.skipped);
  return hashes;
}
