// Real Prometheus and Alertmanager (Debian binaries) for the live-check tests, on free ports in a
// temp folder; plus a TLS server with an openssl-made certificate for the expiry check.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { stopChild } from '../../lib/local-postgres.js';
import { getFreePort } from '../../lib/net.js';

export interface Server {
  url: string;
  port: number;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited: ${log()}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready: ${log()}`);
}

function start(bin: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (b) => (out = (out + b).slice(-20_000)));
  child.stderr!.on('data', (b) => (out = (out + b).slice(-20_000)));
  return { child, log: () => out };
}

export async function startAlertmanager(dir: string): Promise<Server> {
  const port = await getFreePort();
  const cfg = path.join(dir, 'alertmanager.yml');
  writeFileSync(cfg, 'route: { receiver: ops }\nreceivers: [{ name: ops }]\n');
  const { child, log } = start('/usr/bin/prometheus-alertmanager', [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.path=${path.join(dir, 'am-data')}`, '--cluster.listen-address=']);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child, log);
  return { url, port, stop: () => stopChild(child, 'SIGTERM') };
}

/** The blackbox exporter (Debian binary) with the given modules YAML. */
export async function startBlackbox(dir: string, modulesYaml: string): Promise<Server> {
  const port = await getFreePort();
  const cfg = path.join(dir, 'blackbox.yml');
  writeFileSync(cfg, modulesYaml);
  const { child, log } = start('/usr/bin/prometheus-blackbox-exporter', [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/healthy`, child, log);
  return { url, port, stop: () => stopChild(child, 'SIGTERM') };
}

/** Prometheus scraping the given targets every second, with the rule file given; `extraJobs`: more scrape_configs entries (YAML lines). */
export async function startPrometheus(dir: string, targets: Record<string, string>, rulesFile: string, alertmanager: string, extraJobs = ''): Promise<Server> {
  const port = await getFreePort();
  const rules = path.join(dir, 'rules.yml');
  writeFileSync(rules, readFileSync(rulesFile));
  const jobs = Object.entries(targets).map(([job, t]) => `  - { job_name: ${job}, static_configs: [{ targets: ["${t}"] }] }`).join('\n');
  const cfg = path.join(dir, 'prometheus.yml');
  writeFileSync(cfg, `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [${rules}]\nalerting: { alertmanagers: [{ static_configs: [{ targets: ["${alertmanager.replace('http://', '')}"] }] }] }\nscrape_configs:\n${jobs}\n${extraJobs}`);
  const { child, log } = start('/usr/bin/prometheus', [`--config.file=${cfg}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.tsdb.path=${path.join(dir, 'prom-data')}`]);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child, log);
  return { url, port, stop: () => stopChild(child, 'SIGTERM') };
}

/** Waits until Prometheus reports every active target with the given health. */
export async function waitTargets(url: string, health: (job: string) => 'up' | 'down', timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const body = await fetch(`${url}/api/v1/targets`).then((r) => r.json() as Promise<any>, () => null);
    const ts = (body?.data?.activeTargets ?? []) as { labels: { job: string }; health: string }[];
    if (ts.length && ts.every((t) => t.health === health(t.labels.job))) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`prometheus targets did not reach the expected health in ${timeoutMs} ms`);
}

/** A TLS server with a self-signed certificate valid for `days` days (openssl). */
export async function startTlsServer(dir: string, cn: string, days: number): Promise<Server> {
  const key = path.join(dir, `${days}.key`);
  const crt = path.join(dir, `${days}.crt`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', String(days), '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  const server = tls.createServer({ key: readFileSync(key), cert: readFileSync(crt) }, (s) => s.end());
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `127.0.0.1:${port}`, port, stop: () => new Promise((r) => server.close(() => r())) };
}
