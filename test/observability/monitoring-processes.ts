// Real Prometheus, Alertmanager, exporters and an HAProxy metrics frontend for the observability
// tests, from Debian's binaries, on free loopback ports, with the native target's file_sd layout
// (<rendered>/prometheus/targets/<job>.json).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { getFreePort, waitForPort } from '../../lib/net.js';
import { ALERTMANAGER, PROMETHEUS } from './monitoring-fixtures.js';

export interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startProc(name: string, bin: string, args: (port: number) => string[], opts: { dir: string; env?: Record<string, string>; port?: number }): Promise<Proc> {
  const port = opts.port ?? (await getFreePort());
  const log = openSync(path.join(opts.dir, `${name}.log`), 'a');
  const child = spawn(bin, args(port), { stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '', ...opts.env } });
  await waitForPort(port, '127.0.0.1', 20_000).catch((err) => {
    child.kill('SIGKILL');
    throw new Error(`${name} did not listen: ${err}\n${readFileSync(path.join(opts.dir, `${name}.log`), 'utf8').slice(-2000)}`);
  });
  return { name, port, child, stop: () => stopProc(child) };
}

export function stopProc(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The native target's file_sd contract: one JSON file per job, a list of target groups. */
export function writeTargets(renderedDir: string, job: string, addresses: string[]): void {
  const dir = path.join(renderedDir, 'prometheus/targets');
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${job}.json.tmp`);
  writeFileSync(tmp, JSON.stringify([{ targets: addresses, labels: { service: job } }]));
  // rename so Prometheus never reads half a file
  renameSync(tmp, path.join(dir, `${job}.json`));
}

export const startPrometheus = (renderedDir: string, dir: string) =>
  startProc('prometheus', PROMETHEUS, (port) => [
    `--config.file=${path.join(renderedDir, 'prometheus/prometheus.yml')}`,
    `--storage.tsdb.path=${path.join(dir, 'prom-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { dir });

export const startAlertmanager = (renderedDir: string, dir: string) =>
  startProc('alertmanager', ALERTMANAGER, (port) => [
    `--config.file=${path.join(renderedDir, 'alertmanager/alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'am-data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', // no gossip: a single instance
    '--log.level=warn',
  ], { dir });

export const startPostgresExporter = (connectionString: string, dir: string) =>
  startProc('postgres-exporter', '/usr/bin/prometheus-postgres-exporter', (port) => [`--web.listen-address=127.0.0.1:${port}`], {
    dir,
    env: { DATA_SOURCE_NAME: `${connectionString}?sslmode=disable` },
  });

export const startRedisExporter = (redisPort: number, dir: string) =>
  startProc('redis-exporter', '/usr/bin/prometheus-redis-exporter', (port) => [`-web.listen-address=127.0.0.1:${port}`, `-redis.addr=redis://127.0.0.1:${redisPort}`], { dir });

export const startNodeExporter = (textfileDir: string, dir: string) =>
  startProc('node-exporter', '/usr/bin/prometheus-node-exporter', (port) => [
    `--web.listen-address=127.0.0.1:${port}`,
    `--collector.textfile.directory=${textfileDir}`,
    // keep it light on a 2-core box: only what the rules and dashboards read
    '--collector.disable-defaults',
    '--collector.filesystem',
    '--collector.cpu',
    '--collector.meminfo',
    '--collector.textfile',
  ], { dir });

/** HAProxy with only its built-in Prometheus exporter frontend (the edge's metrics). */
export async function startHaproxyMetrics(dir: string): Promise<Proc> {
  const port = await getFreePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  writeFileSync(cfg, ['global', '  log stdout format raw local0 warning', 'defaults', '  mode http', '  timeout connect 2s', '  timeout client 10s', '  timeout server 10s',
    'frontend prometheus', `  bind 127.0.0.1:${port}`, '  http-request use-service prometheus-exporter if { path /metrics }', '  no log', ''].join('\n'));
  return startProc('haproxy', '/usr/sbin/haproxy', () => ['-db', '-f', cfg], { dir, port });
}

export interface PromQuery {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

export async function queryPrometheus(promPort: number, expr: string): Promise<PromQuery> {
  const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as PromQuery;
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number, stepMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
