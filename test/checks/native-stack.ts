// One real native stack per test file, brought up by the built CLI (`prodctl up`, the native
// target: Postgres, Redis, the runtime, HAProxy, Prometheus, Alertmanager, exporters as supervised
// local processes) in a temp state folder, with 1 s scrapes so alerts fire in seconds. The stack
// is always taken down at the end, and anything left in the process table is killed.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { mergeDeep, type Plain } from '../../profile/merge.js';
import { findSupervisor, type SupervisorClient } from '../../targets/native/supervisor/supervisor-client.js';
import { makeStackDir, processesOfStack, prodctl, ROOT } from '../native/support.js';

const SECRETS = path.join(ROOT, 'examples/small/example-secrets');
const SECRET_NAMES = ['postgres_password', 'postgres_superuser_password', 'redis_password', 'api_key_pepper', 'grafana_admin_password', 'backup_key', 'edge_dashboard_users'];

export interface NativeEndpoints {
  uploadsDir: string;
  postgres: { host: string; port: number };
  redis: { host: string; port: number };
  api: { id: string; host: string; port: number; metricsPort: number }[];
  workers: { id: string; host: string; metricsPort: number }[];
  edge: { host: string; port: number };
  prometheus: { url: string };
  alertmanager: { url: string };
}

export interface NativeStack {
  dir: string;
  stateDir: string;
  profile: string;
  backups: string;
  /** Runs the built CLI against this stack (never throws on exit codes). */
  cli(args: string[], timeoutMs?: number): ReturnType<typeof prodctl>;
  endpoints(): NativeEndpoints;
  supervisor(): Promise<SupervisorClient>;
  down(): Promise<void>;
}

/** The small preset on the native target, fast monitoring, backups in the temp folder. */
export function nativeProfile(dir: string, overrides: Plain = {}): Plain {
  return mergeDeep({
    extends: 'small',
    target: 'native',
    project: { name: 'pdf-native-check', domains: [], environment: 'test' },
    edge: { kind: 'haproxy', bind: '127.0.0.1' },
    api: { drain_window: '1s' },
    deploy: { timeout: '60s' },
    monitoring: { grafana: { enabled: false }, scrape_interval: '1s', evaluation_interval: '500ms' },
    slo: { probes: { interval: '1s', timeout: '1s' } },
    backup: { target: { kind: 'local', path: path.join(dir, 'backups') } },
    secrets: Object.fromEntries(SECRET_NAMES.map((n) => [n, { file: path.join(SECRETS, n) }])),
  }, overrides);
}

/** `beforeUp` runs once the state folder's path is known, before `prodctl up` (e.g. to mount a volume under it). */
export async function startNativeStack(prefix: string, overrides: Plain = {}, beforeUp?: (stateDir: string) => Promise<void>): Promise<NativeStack> {
  const dir = makeStackDir(prefix);
  const stateDir = path.join(dir, 'state');
  const backups = path.join(dir, 'backups');
  mkdirSync(backups, { recursive: true });
  const profile = path.join(dir, 'prodctl.yaml');
  writeFileSync(profile, stringify(nativeProfile(dir, overrides)));
  const stack: NativeStack = {
    dir,
    stateDir,
    profile,
    backups,
    cli: (args, timeoutMs) => prodctl(profile, stateDir, args, timeoutMs),
    endpoints: () => JSON.parse(readFileSync(path.join(stateDir, 'native/endpoints.json'), 'utf8')) as NativeEndpoints,
    async supervisor() {
      const s = await findSupervisor(stateDir);
      if (!s) throw new Error(`no supervisor for ${stateDir}`);
      return s;
    },
    async down() {
      await stack.cli(['down']);
      for (const pid of processesOfStack(stateDir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
  await beforeUp?.(stateDir);
  const t0 = Date.now();
  const up = await stack.cli(['up']);
  if (up.exitCode !== 0) {
    await stack.down();
    throw new Error(`prodctl up failed (${up.exitCode}):\n${up.stdout}\n${up.stderr}`);
  }
  console.log(`prodctl up (native) took ${Date.now() - t0} ms`);
  return stack;
}

/** Stops every supervised process of a service (the supervisor does not restart a stopped one). */
export async function stopService(stack: NativeStack, service: string): Promise<string[]> {
  const sup = await stack.supervisor();
  const ids = (await sup.status()).filter((p) => p.service === service && p.state !== 'stopped').map((p) => p.id);
  for (const id of ids) await sup.stop(id);
  return ids;
}

/** Prometheus's view of its targets: job → healths. */
export async function targetHealth(promUrl: string): Promise<{ job: string; health: string; url: string; lastError: string }[]> {
  const body = (await (await fetch(`${promUrl}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: { labels: { job: string }; health: string; scrapeUrl: string; lastError: string }[] } };
  return body.data.activeTargets.map((t) => ({ job: t.labels.job, health: t.health, url: t.scrapeUrl, lastError: t.lastError }));
}
