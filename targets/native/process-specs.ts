// What the native stack runs, as plain ProcessSpecs: a pure function of the plan, the native
// state (ports, replicas, release) and where things live. Nothing here starts anything.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ENV } from '../../contract/index.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import type { NativeReplica, NativeState, NativeWorker } from '../../state/native-state.js';
import type { NativeComponent } from './binaries.js';
import { nativeHbaPaths, postgresSocketDir } from './postgres-hba.js';
import type { NativePaths } from './supervisor/paths.js';
import type { ProcessSpec } from './supervisor/types.js';
import { walPushCommand } from '../../plan/wal-commands.js';

export const LOOPBACK = '127.0.0.1';

/** Set in the autoscaler's environment: its own scales must never stop or restart itself. */
export const AUTOSCALER_ENV = 'PRODCTL_AUTOSCALER_CONFIG';

export function runningAsAutoscaler(): boolean {
  return Boolean(process.env[AUTOSCALER_ENV]);
}

/** Start ranks: `down` stops the highest first (monitoring, edge, app, exporters, data). */
export const RANK = { postgres: 0, redis: 0, exporter: 1, worker: 2, api: 3, edge: 4, monitoring: 5, control: 6 } as const;

export interface SpecInput {
  plan: StackPlan;
  state: NativeState;
  paths: NativePaths;
  stateDir: string;
  binaries: Partial<Record<NativeComponent, string>>;
  /** uid/gid to run Postgres as (root only). */
  postgresUser: { uid: number; gid: number } | null;
  /** Content hashes of each component's config files: a changed config restarts that process. */
  configHashes: Partial<Record<NativeComponent, string>>;
  /** PATH for every process. */
  pathEnv: string;
  /** argv of this prodctl with the profile and state folder: Postgres runs it to archive WAL. */
  prodctl?: string[];
}

function service(plan: StackPlan, name: ServicePlan['name']): ServicePlan | undefined {
  return plan.services.find((s) => s.name === name);
}

/** Every stack process carries the state folder in its environment: how `down` and the tests
 *  find any process of this stack in the process table, whatever its command line. */
function baseEnv(i: SpecInput, component: string): Record<string, string> {
  return { PATH: i.pathEnv, PRODCTL_NATIVE_STACK: path.resolve(i.stateDir), ...(i.configHashes[component as NativeComponent] ? { PRODCTL_CONFIG_HASH: i.configHashes[component as NativeComponent]! } : {}) };
}

function stopMs(plan: StackPlan, name: ServicePlan['name'], fallbackSeconds = 10): number {
  return (service(plan, name)?.stopGracePeriodSeconds ?? fallbackSeconds) * 1000;
}

/** Secret file on the host for each /run/secrets/<name> the plan mounts. */
export function secretFiles(plan: StackPlan): Record<string, string> {
  return Object.fromEntries(plan.secrets.map((s) => [`/run/secrets/${s.name}`, path.resolve(plan.profileDir, s.file)]));
}

/** Where the API and workers keep uploaded files and results. */
export function nativeUploadsDir(paths: NativePaths): string {
  return path.join(paths.dataDir, 'uploads');
}

/** The plan's env for an API or worker process with native hosts, ports, paths and secret files. */
export function runtimeEnv(i: SpecInput, svc: ServicePlan, release: string, ports: { port?: number; metricsPort: number }): Record<string, string> {
  const files = secretFiles(i.plan);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.env)) env[k] = k.endsWith('_FILE') && files[v] ? files[v] : v;
  Object.assign(env, {
    [ENV.host]: LOOPBACK,
    [ENV.metricsPort]: String(ports.metricsPort),
    [ENV.pgHost]: LOOPBACK,
    [ENV.pgPort]: String(i.state.ports.postgres),
    [ENV.redisHost]: LOOPBACK,
    [ENV.redisPort]: String(i.state.ports.redis),
    [ENV.storagePath]: nativeUploadsDir(i.paths),
    [ENV.release]: release,
  });
  if (ports.port !== undefined) env[ENV.port] = String(ports.port);
  return { ...env, ...baseEnv(i, svc.name) };
}

/** `node dist/runtime/api/main.js` from the plan, run with this Node from the release's build folder. */
function runtimeArgv(svc: ServicePlan, build: string): string[] {
  const [cmd, ...rest] = svc.command;
  return cmd === 'node' ? [process.execPath, ...rest.map((a) => (a.startsWith('dist/') ? path.join(build, a) : a))] : [cmd, ...rest];
}

export function apiSpec(i: SpecInput, r: NativeReplica, release = i.state.release): ProcessSpec {
  const svc = service(i.plan, 'api')!;
  return {
    id: r.id,
    service: 'api',
    argv: runtimeArgv(svc, release.build),
    env: runtimeEnv(i, svc, release.version, { port: r.port, metricsPort: r.metricsPort }),
    cwd: release.build,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: stopMs(i.plan, 'api'),
    order: RANK.api,
  };
}

export function workerSpec(i: SpecInput, w: NativeWorker, release = i.state.release): ProcessSpec {
  const svc = service(i.plan, 'worker')!;
  return {
    id: w.id,
    service: 'worker',
    argv: runtimeArgv(svc, release.build),
    env: runtimeEnv(i, svc, release.version, { metricsPort: w.metricsPort }),
    cwd: release.build,
    stopSignal: 'SIGTERM',
    stopTimeoutMs: stopMs(i.plan, 'worker'),
    order: RANK.worker,
  };
}

/** The rendered postgresql.conf, then what only the native stack knows: `-c` wins over the file. */
export function postgresSettings(i: SpecInput, renderedConf: string): string[] {
  const settings = [
    `config_file=${renderedConf}`,
    `data_directory=${path.join(i.paths.dataDir, 'postgres')}`,
    `port=${i.state.ports.postgres}`,
    `listen_addresses=${LOOPBACK}`,
    `unix_socket_directories=${postgresSocketDir(i.paths)}`,
    // prodctl's own pg_hba.conf / pg_ident.conf (peer or scram, never trust), not initdb's.
    `hba_file=${nativeHbaPaths(i.paths).hba}`,
    `ident_file=${nativeHbaPaths(i.paths).ident}`,
  ];
  // WAL archiving: the rendered file says `prodctl wal-push`; here it is this prodctl, this profile.
  if (i.plan.profile.backup.wal?.archive && i.prodctl) settings.push(`archive_command=${walPushCommand(i.prodctl)}`);
  return settings.flatMap((s) => ['-c', s]);
}

export function infraSpecs(i: SpecInput, renderedPostgresConf: string): ProcessSpec[] {
  const b = i.binaries;
  const p = i.state.ports;
  const c = i.paths.configDir;
  const specs: ProcessSpec[] = [];
  const files = secretFiles(i.plan);
  const prof = i.plan.profile;
  const common = (id: string, order: number, stopTimeoutMs = 10_000) => ({ id, service: id, cwd: i.paths.root, stopSignal: 'SIGTERM' as NodeJS.Signals, stopTimeoutMs, order, env: baseEnv(i, id) });
  if (b.postgres) {
    specs.push({
      ...common('postgres', RANK.postgres, stopMs(i.plan, 'postgres', 30)),
      argv: [b.postgres, '-D', path.join(i.paths.dataDir, 'postgres'), ...postgresSettings(i, renderedPostgresConf)],
      uid: i.postgresUser?.uid,
      gid: i.postgresUser?.gid,
      // SIGINT is Postgres' "fast" shutdown: it does not wait for clients to go away.
      stopSignal: 'SIGINT',
    });
  }
  if (b.redis) specs.push({ ...common('redis', RANK.redis, stopMs(i.plan, 'redis', 30)), argv: [b.redis, path.join(c, 'redis', 'redis.conf')] });
  if (b['postgres-exporter']) {
    specs.push({
      ...common('postgres-exporter', RANK.exporter),
      argv: [b['postgres-exporter'], `--web.listen-address=${LOOPBACK}:${p.postgresExporter}`],
      env: {
        ...baseEnv(i, 'postgres-exporter'),
        DATA_SOURCE_URI: `${LOOPBACK}:${p.postgres}/${prof.postgres.database}?sslmode=disable`,
        DATA_SOURCE_USER: prof.postgres.user,
        DATA_SOURCE_PASS_FILE: files[`/run/secrets/${prof.postgres.password_secret}`] ?? '',
      },
    });
  }
  if (b['redis-exporter']) {
    specs.push({
      ...common('redis-exporter', RANK.exporter),
      // The password file is a JSON map of address → password; see native-config.ts.
      argv: [b['redis-exporter'], `-redis.addr=redis://${LOOPBACK}:${p.redis}`, `-web.listen-address=${LOOPBACK}:${p.redisExporter}`, `-redis.password-file=${path.join(c, 'redis-exporter', 'passwords.json')}`],
    });
  }
  if (b['node-exporter']) {
    specs.push({ ...common('node-exporter', RANK.exporter), argv: [b['node-exporter'], `--web.listen-address=${LOOPBACK}:${p.nodeExporter}`, `--collector.textfile.directory=${path.join(path.resolve(i.stateDir), 'textfile')}`] });
  }
  return specs;
}

export function edgeSpec(i: SpecInput): ProcessSpec | null {
  if (!i.binaries.edge) return null;
  return { id: 'edge', service: 'edge', argv: [i.binaries.edge, '-db', '-f', path.join(i.paths.configDir, 'haproxy', 'haproxy.cfg')], env: baseEnv(i, 'edge'), cwd: i.paths.root, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, order: RANK.edge };
}

export function monitoringSpecs(i: SpecInput): ProcessSpec[] {
  const b = i.binaries;
  const p = i.state.ports;
  const m = i.plan.profile.monitoring;
  const specs: ProcessSpec[] = [];
  if (!m.enabled) return specs;
  const common = (id: string) => ({ id, service: id, env: baseEnv(i, id), cwd: i.paths.root, stopSignal: 'SIGTERM' as NodeJS.Signals, stopTimeoutMs: 10_000, order: RANK.monitoring });
  if (b.prometheus) {
    specs.push({
      ...common('prometheus'),
      argv: [
        b.prometheus,
        `--config.file=${path.join(i.paths.configDir, 'prometheus', 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(i.paths.dataDir, 'prometheus')}`,
        `--storage.tsdb.retention.time=${m.retention}`,
        `--web.listen-address=${LOOPBACK}:${p.prometheus}`,
        '--web.enable-lifecycle',
      ],
    });
  }
  if (b.alertmanager) {
    specs.push({
      ...common('alertmanager'),
      argv: [b.alertmanager, `--config.file=${path.join(i.paths.configDir, 'alertmanager', 'alertmanager.yml')}`, `--storage.path=${path.join(i.paths.dataDir, 'alertmanager')}`, `--web.listen-address=${LOOPBACK}:${p.alertmanager}`, '--cluster.listen-address='],
    });
  }
  if (b['blackbox-exporter'] && p.blackboxExporter) {
    specs.push({ ...common('blackbox-exporter'), argv: [b['blackbox-exporter'], `--config.file=${path.join(i.paths.configDir, 'blackbox', 'blackbox.yml')}`, `--web.listen-address=${LOOPBACK}:${p.blackboxExporter}`] });
  }
  return specs;
}

/**
 * `prodctl autoscale run` as a supervised process of the stack: this prodctl, this profile and
 * state folder, health and metrics on the autoscaler's port. Stopped first on `down` (highest
 * rank), so it cannot scale a stack that is going away.
 */
export function autoscalerSpec(i: SpecInput): ProcessSpec | null {
  const port = i.state.ports.autoscaler;
  if (!service(i.plan, 'autoscaler') || !port || !i.prodctl) return null;
  return {
    id: 'autoscaler',
    service: 'autoscaler',
    argv: [...i.prodctl, 'autoscale', 'run', '--listen', `${LOOPBACK}:${port}`],
    // The settings' hash: an `up` after autoscale: changed restarts the controller with them.
    env: { ...baseEnv(i, 'autoscaler'), [AUTOSCALER_ENV]: createHash('sha256').update(JSON.stringify(i.plan.profile.autoscale)).digest('hex').slice(0, 16) },
    cwd: i.paths.root,
    stopSignal: 'SIGTERM',
    // A scale it is in the middle of finishes within the worker's own stop grace.
    stopTimeoutMs: stopMs(i.plan, 'worker') + 5_000,
    order: RANK.control,
  };
}

/** The deploy timeout and drain window of the profile, in ms. */
export function rolloutTimings(plan: StackPlan): { deployTimeoutMs: number; drainMs: number } {
  return { deployTimeoutMs: parseDuration(plan.profile.deploy.timeout), drainMs: parseDuration(plan.profile.api.drain_window) };
}
