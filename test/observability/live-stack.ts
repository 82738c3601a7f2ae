// A whole monitored stack on loopback for the live tests: the real runtime (API + worker
// processes over real Postgres and Redis), the exporters, HAProxy's metrics frontend,
// Alertmanager and Prometheus with the rules and config rendered for the native target.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackPlan } from '../../plan/types.js';
import { mergeDeep, type Plain } from '../../profile/merge.js';
import { startProcess, startRuntimeStack, submitJob, type RuntimeProcess, type RuntimeStack } from '../runtime/support.js';
import { makeTempDir } from '../support/services.js';
import { planFor, renderInto } from './monitoring-fixtures.js';
import {
  startAlertmanager,
  startHaproxyMetrics,
  startNodeExporter,
  startPostgresExporter,
  startPrometheus,
  startRedisExporter,
  writeTargets,
  type Proc,
} from './monitoring-processes.js';

/** Short intervals so alerts fire in seconds: every window and `for` scales with scrape_interval. */
export const FAST_MONITORING: Plain = {
  target: 'native',
  api: { replicas: 1 },
  workers: { replicas: 1, concurrency: 2 },
  // rules evaluate twice per scrape so a new sample is seen within half a scrape
  monitoring: { scrape_interval: '1s', evaluation_interval: '500ms' },
};

export interface LiveStack {
  plan: StackPlan;
  dir: string;
  renderedDir: string;
  stateDir: string;
  textfileDir: string;
  runtime: RuntimeStack;
  api: RuntimeProcess;
  workers: RuntimeProcess[];
  procs: Record<'prometheus' | 'alertmanager' | 'postgres' | 'redis' | 'node' | 'edge', Proc>;
  cleanup(): Promise<void>;
}

const loop = (port: number) => `127.0.0.1:${port}`;

export async function startLiveStack(opts: { overrides?: Plain; webhookUrl?: string; apiEnv?: Record<string, string> } = {}): Promise<LiveStack> {
  const { overrides = {}, webhookUrl } = opts;
  const dir = makeTempDir('prodctl-obs-live-');
  const renderedDir = path.join(dir, 'rendered');
  // <state>/textfile, as `prodctl backup` writes it and node-exporter reads it
  const stateDir = path.join(dir, 'state');
  const textfileDir = path.join(stateDir, 'textfile');
  mkdirSync(textfileDir, { recursive: true });
  const receivers = webhookUrl ? { monitoring: { alertmanager: { receivers: [{ name: 'test', webhook_url: webhookUrl }] } } } : {};
  const plan = planFor('medium', mergeDeep(FAST_MONITORING, overrides, receivers));
  renderInto(plan, renderedDir);
  const runtime = await startRuntimeStack({ maxmemory: '64mb' });
  const started: Proc[] = [];
  const track = async (p: Promise<Proc>) => {
    const x = await p;
    started.push(x);
    return x;
  };
  let api: RuntimeProcess | undefined;
  const workers: RuntimeProcess[] = [];
  try {
    api = await startProcess('api', runtime.env, opts.apiEnv);
    workers.push(await startProcess('worker', runtime.env));
    const [postgres, redis, node, edge, alertmanager] = await Promise.all([
      track(startPostgresExporter(runtime.pg.connectionString(runtime.database), dir)),
      track(startRedisExporter(runtime.redis.port, dir)),
      track(startNodeExporter(textfileDir, dir)),
      track(startHaproxyMetrics(dir)),
      track(startAlertmanager(renderedDir, dir)),
    ]);
    writeTargets(renderedDir, 'api', [loop(api.metricsPort)]);
    writeTargets(renderedDir, 'worker', workers.map((w) => loop(w.metricsPort)));
    writeTargets(renderedDir, 'postgres', [loop(postgres.port)]);
    writeTargets(renderedDir, 'redis', [loop(redis.port)]);
    writeTargets(renderedDir, 'node', [loop(node.port)]);
    writeTargets(renderedDir, 'edge', [loop(edge.port)]);
    writeTargets(renderedDir, 'alertmanager', [loop(alertmanager.port)]);
    const prometheus = await track(startPrometheus(renderedDir, dir));
    writeTargets(renderedDir, 'prometheus', [loop(prometheus.port)]);
    return {
      plan,
      dir,
      renderedDir,
      stateDir,
      textfileDir,
      runtime,
      api,
      workers,
      procs: { prometheus, alertmanager, postgres, redis, node, edge },
      async cleanup() {
        await Promise.all([...started.map((p) => p.stop()), api!.stop(), ...workers.map((w) => w.stop())]);
        await runtime.cleanup();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all([...started.map((p) => p.stop()), api?.stop(), ...workers.map((w) => w.stop())]);
    await runtime.cleanup();
    throw err;
  }
}

/** The backup and certificate textfiles, as `prodctl backup` and the certificate owner write them. */
export function writeTextfiles(textfileDir: string, opts: { backupAgeSeconds: number; verifyOk: boolean; certDays: number }): void {
  const now = Math.floor(Date.now() / 1000);
  mkdirSync(textfileDir, { recursive: true });
  writeFileSync(
    path.join(textfileDir, 'prodctl_backup.prom'),
    [
      `prodctl_backup_last_success_timestamp_seconds ${now - opts.backupAgeSeconds}`,
      `prodctl_backup_last_verify_ok ${opts.verifyOk ? 1 : 0}`,
      `prodctl_backup_last_verify_timestamp_seconds ${now - opts.backupAgeSeconds}`,
      '',
    ].join('\n'),
  );
  writeFileSync(path.join(textfileDir, 'prodctl_tls.prom'), `prodctl_tls_certificate_not_after_timestamp_seconds{domain="pdf.example.com"} ${now + opts.certDays * 86400}\n`);
}

/**
 * The first job of a freshly started stack, retried while the API answers 503 + Retry-After
 * (it does so while a backing service is briefly slow on a busy 2-core box); says how often.
 */
export async function submitFirstJob(stack: LiveStack, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + 20_000;
  for (let attempt = 1; ; attempt++) {
    const r = await submitJob(stack.api.base, key, body);
    if (r.status !== 503 || Date.now() > deadline) return r;
    console.warn(`first job submission answered 503 (attempt ${attempt}); retrying after Retry-After`);
    await new Promise((res) => setTimeout(res, Number(r.headers.get('retry-after') ?? 1) * 1000));
  }
}
