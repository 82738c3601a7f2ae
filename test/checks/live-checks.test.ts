// Live checks against real servers started here: Postgres + Redis, the runtime API and a BullMQ
// worker (runtime/), Prometheus and Alertmanager (Debian binaries), a backup folder written with
// the backup module's own manifest sealing, a TLS server. First everything passes; then each
// check is broken one at a time and must fail naming the evidence. (The CLI end to end on a
// real `prodctl up` stack: native-live.test.ts.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FORMAT, MANIFEST_NAME, newSetId, sealManifest, setKey, VERIFY_NAME } from '../../backup/manifest.js';
import { createLiveProbes } from '../../checks/live/create-probes.js';
import type { LiveProbes } from '../../checks/live/probes.js';
import { LIVE_CHECKS, STATIC_CHECKS } from '../../checks/registry.js';
import { runChecks } from '../../checks/run-checks.js';
import type { CheckRun } from '../../checks/types.js';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../../templates/types.js';
import { getFreePort } from '../../lib/net.js';
import { DEFAULT_QUEUE_NAME } from '../../contract/index.js';
import { makeTempDir } from '../support/services.js';
import { mintKey, startProcess, startRuntimeStack, type RuntimeProcess, type RuntimeStack } from '../runtime/support.js';
import { applyScenario, FIXTURES, type Edit } from './fixture-stack.js';
import { isHostDiskLow, withoutLowDiskWarning } from './host-disk.js';
import { startAlertmanager, startBlackbox, startPrometheus, startTlsServer, waitTargets, type Server } from './live-support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let worker: RuntimeProcess;
let prom: Server;
let am: Server;
let blackbox: Server;
let dir: string;
let backups: string;
let checkKey: string;
const toStop: (() => Promise<unknown>)[] = [];

function writeBackupSet(root: string, finishedAt: Date, ok: boolean): string {
  const id = newSetId(finishedAt, Math.random().toString(36).slice(2, 6));
  mkdirSync(path.dirname(path.join(root, setKey(id, MANIFEST_NAME))), { recursive: true });
  const m = sealManifest({ format: MANIFEST_FORMAT, id, time: finishedAt.toISOString(), finishedAt: finishedAt.toISOString(), tool: { name: 'prodctl', version: '0.1.0' }, profileHash: 'x', compression: 'zstd', encryption: null, parts: {}, durationMs: 1000 });
  writeFileSync(path.join(root, setKey(id, MANIFEST_NAME)), JSON.stringify(m));
  writeFileSync(path.join(root, setKey(id, VERIFY_NAME)), JSON.stringify({ setId: id, ok, time: finishedAt.toISOString(), durationMs: 500, problems: ok ? [] : ['table users: checksum differs'], checked: { files: 1, tables: 1, redisDbs: 1, blobs: 0 } }));
  return id;
}

/** The baseline rendered stack, with the settings the probes need to match the test servers. */
function stackFor(edits: Edit[] = [], profile: (p: StackPlan['profile']) => void = () => {}): { plan: StackPlan; files: RenderedFile[] } {
  const s = applyScenario({
    check: 'live',
    breaks: 'nothing',
    edits: [
      { file: 'compose.yaml', set: 'services.worker.environment.QUEUE_NAME', value: stack.env.QUEUE_NAME },
      { file: 'compose.yaml', set: 'services.api.environment.RATE_BURST', value: '10' },
      ...edits,
    ],
  });
  const p = s.plan.profile;
  p.project.domains = [];
  p.postgres.user = stack.pg.user;
  p.postgres.database = stack.database;
  p.backup.target.path = backups;
  p.storage.uploads_path = path.join(dir, 'uploads');
  profile(p);
  return s;
}

async function check(ids: string[], o: { edits?: Edit[]; profile?: (p: StackPlan['profile']) => void; endpoints?: (e: any) => void; key?: string | null; full?: boolean } = {}): Promise<CheckRun> {
  const { plan, files } = stackFor(o.edits, o.profile);
  const state = makeTempDir('prodctl-check-state-');
  const endpoints = {
    postgres: { host: stack.pg.host, port: stack.pg.port },
    redis: { host: stack.redis.host, port: stack.redis.port },
    api: [{ id: 'api-1', host: '127.0.0.1', port: api.port, metricsPort: api.metricsPort }],
    prometheus: { url: prom.url },
    alertmanager: { url: am.url },
  };
  o.endpoints?.(endpoints);
  mkdirSync(path.join(state, 'native'), { recursive: true });
  writeFileSync(path.join(state, 'native', 'endpoints.json'), JSON.stringify(endpoints));
  plan.target = 'native';
  const probes: LiveProbes = await createLiveProbes(plan, { stateDir: state, checkApiKey: o.key === undefined ? checkKey : o.key });
  try {
    return await runChecks({ plan, files, failOn: 'high', probes, liveOnly: !o.full, only: ids });
  } finally {
    await probes.close();
    rmSync(state, { recursive: true, force: true });
  }
}

const byId = (run: CheckRun, id: string) => run.results.find((r) => r.id === id)!;

beforeAll(async () => {
  stack = await startRuntimeStack({ appendonly: 'yes' });
  // Redis is private to this test, so the default queue name is safe, and the CLI run below finds it.
  stack.env.QUEUE_NAME = DEFAULT_QUEUE_NAME;
  dir = makeTempDir('prodctl-live-');
  backups = path.join(dir, 'backups');
  mkdirSync(path.join(dir, 'uploads'));
  [api, worker] = await Promise.all([
    startProcess('api', stack.env, { RATE_REQUESTS_PER_SECOND: '5', RATE_BURST: '10' }),
    startProcess('worker', stack.env),
  ]);
  am = await startAlertmanager(dir);
  checkKey = await mintKey(stack, 'prodctl-check');
  // The black-box probes (OPS-105) of the API itself: this stack has no edge.
  writeFileSync(path.join(dir, 'probe-key'), checkKey, { mode: 0o600 });
  blackbox = await startBlackbox(dir, `modules:\n  edge_readyz: { prober: http, timeout: 2s, http: { valid_status_codes: [200] } }\n  edge_status: { prober: http, timeout: 2s, http: { valid_status_codes: [404], bearer_token_file: ${path.join(dir, 'probe-key')} } }\n`);
  const probeJob = (job: string, module: string, url: string) =>
    `  - { job_name: ${job}, metrics_path: /probe, params: { module: [${module}] }, static_configs: [{ targets: ["${url}"] }], relabel_configs: [{ source_labels: [__address__], target_label: __param_target }, { source_labels: [__param_target], target_label: instance }, { target_label: __address__, replacement: "127.0.0.1:${blackbox.port}" }] }\n`;
  const apiUrl = `http://127.0.0.1:${api.port}`;
  const probes = probeJob('probe_readyz', 'edge_readyz', `${apiUrl}/readyz`) + probeJob('probe_status', 'edge_status', `${apiUrl}/v1/jobs/00000000-0000-0000-0000-000000000000`);
  prom = await startPrometheus(dir, { api: `127.0.0.1:${api.metricsPort}`, worker: `127.0.0.1:${worker.metricsPort}` }, path.join(FIXTURES, 'baseline/prometheus/rules/alerts.yml'), am.url, probes);
  writeBackupSet(backups, new Date(Date.now() - 3_600_000), true);
  await waitTargets(prom.url, () => 'up');
}, 180_000);

afterAll(async () => {
  for (const stop of toStop) await stop().catch(() => {});
  await Promise.all([api?.stop(), worker?.stop(), prom?.stop(), am?.stop(), blackbox?.stop()].map((p) => p?.catch(() => {})));
  await stack?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

describe('live checks against real servers', () => {
  it('all pass on the healthy stack, in well under 10 s (full run: static + live)', async () => {
    const t0 = Date.now();
    const run = await check([], { full: true });
    const ms = Date.now() - t0;
    const low = await isHostDiskLow(dir);
    if (low) console.log(`host disk under 20 % free: OPS-104 warns, as it should (${run.results.find((r) => r.id === 'OPS-104')?.evidence.join('; ')})`);
    const notPassing = withoutLowDiskWarning(run.results, low)
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.id} ${r.status}: ${r.evidence.join('; ')}`);
    // No domain here: TLS/HSTS/redirect warn and cert expiry is skipped; docker inspect is skipped on native.
    expect(notPassing).toEqual([
      'SEC-020 warn: project.domains is empty: no certificate can be issued (fine only for a private network)',
      'SEC-021 warn: project.domains is empty: no TLS, so HSTS and the HTTPS redirect cannot apply',
      'SEC-022 warn: project.domains is empty: no TLS, so HSTS and the HTTPS redirect cannot apply',
      'SEC-025 warn: project.domains is empty: no TLS, so no minimum version applies',
      'SEC-102 skip: project.domains is empty: no certificate to check',
      'SEC-103 skip: native target: no Docker containers to inspect',
      'SEC-104 skip: project.domains is empty or edge.tls.mode is off: no TLS to check',
      'SEC-105 skip: project.domains is empty or edge.tls.mode is off: no TLS to check',
      'SEC-106 skip: project.domains is empty or edge.tls.mode is off: no TLS to check',
    ]);
    expect(run.results.filter((r) => r.scope === 'live').length).toBe(LIVE_CHECKS.length);
    expect(run.results.filter((r) => r.scope === 'static').length).toBe(STATIC_CHECKS.length);
    expect(ms).toBeLessThan(10_000);
    console.log(`full check run (static + live): ${run.results.length} checks in ${ms} ms`);
  });

  it('REL-101 fails when Redis is switched to allkeys-lru', async () => {
    execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), 'CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']);
    try {
      const r = byId(await check(['REL-101']), 'REL-101');
      expect(r.status).toBe('fail');
      expect(r.evidence[0]).toMatch(/CONFIG GET maxmemory-policy = allkeys-lru$/);
    } finally {
      execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    }
  });

  it('DATA-101 fails when AOF is off', async () => {
    execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), 'CONFIG', 'SET', 'appendonly', 'no']);
    const r = byId(await check(['DATA-101']), 'DATA-101');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toContain('appendonly = no');
    execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), 'CONFIG', 'SET', 'appendonly', 'yes']);
  });

  it('REL-102 fails when the pools exceed the running max_connections', async () => {
    const r = byId(await check(['REL-102'], { edits: [{ file: 'compose.yaml', set: 'services.worker.environment.PG_POOL_MAX', value: '100' }] }), 'REL-102');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toMatch(/SHOW max_connections = 200; pools 320 \+ reserve 10 = 330/);
  });

  /** Runs `fn` with the worker paused (maintenance mode), so its reconciler leaves planted jobs alone. */
  async function withWorkerPaused(fn: () => Promise<void>): Promise<void> {
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), ...args]);
    cli('SET', 'prodctl:maintenance', '1');
    await new Promise((r) => setTimeout(r, 2_500)); // the worker looks once a second
    try {
      await fn();
    } finally {
      cli('DEL', 'prodctl:maintenance');
    }
  }

  it('REL-104 and REL-105 fail on a stuck job and a burst of failures', async () => {
    const { rows } = await stack.db.query("INSERT INTO users (name) VALUES ('live-check-user') RETURNING id");
    const uid = rows[0].id;
    const stuck = await stack.db.query("INSERT INTO jobs (user_id, op, inputs, state, started_at) VALUES ($1, 'info', '{}', 'active', now() - interval '1 hour') RETURNING id", [uid]);
    await stack.db.query("INSERT INTO jobs (user_id, op, inputs, state, started_at, finished_at) SELECT $1, 'info', '{}', 'failed', now(), now() FROM generate_series(1, 5)", [uid]);
    await withWorkerPaused(async () => {
      const run = await check(['REL-104', 'REL-105']);
      expect(byId(run, 'REL-104').status).toBe('fail');
      expect(byId(run, 'REL-104').evidence[0]).toMatch(new RegExp(`job ${stuck.rows[0].id} active for 3[56]\\d\\d s \\(timeout 120 s\\)`));
      expect(byId(run, 'REL-105').status).toBe('fail');
      expect(byId(run, 'REL-105').evidence[0]).toBe('jobs table: 5 failed of 5 finished in the last hour (100.0%)');
    }).finally(() => stack.db.query('DELETE FROM jobs WHERE user_id = $1', [uid]));
  });

  it('REL-104 fails on a job queued in Postgres that the queue lost; REL-105 on one the queue failed behind Postgres', async () => {
    const { rows } = await stack.db.query("INSERT INTO users (name) VALUES ('live-check-queue') RETURNING id");
    const uid = rows[0].id;
    const q = stack.env.QUEUE_NAME;
    const cli = (...args: string[]) => execFileSync('redis-cli', ['-h', stack.redis.host, '-p', String(stack.redis.port), ...args]);
    const plant = async () => (await stack.db.query("INSERT INTO jobs (user_id, op, inputs, state, created_at) VALUES ($1, 'info', '{}', 'queued', now() - interval '1 hour') RETURNING id", [uid])).rows[0].id as string;
    await withWorkerPaused(async () => {
      const fresh = (await stack.db.query("INSERT INTO jobs (user_id, op, inputs, state) VALUES ($1, 'info', '{}', 'queued') RETURNING id", [uid])).rows[0].id;
      const waiting = await plant();
      cli('HSET', `bull:${q}:${waiting}`, 'name', 'info', 'data', '{}');
      let run = await check(['REL-104', 'REL-105']);
      // A job younger than the reconciler's grace, and an old one still carried, are fine.
      expect(byId(run, 'REL-104').status, JSON.stringify(byId(run, 'REL-104'))).toBe('pass');
      expect(byId(run, 'REL-105').status).toBe('pass');
      const lost = await plant();
      const failed = await plant();
      cli('HSET', `bull:${q}:${failed}`, 'name', 'info', 'failedReason', 'stalled too often');
      cli('ZADD', `bull:${q}:failed`, String(Date.now()), failed);
      run = await check(['REL-104', 'REL-105']);
      expect(byId(run, 'REL-104').status).toBe('fail');
      expect(byId(run, 'REL-104').evidence).toEqual([expect.stringMatching(new RegExp(`^jobs table: job ${lost} queued for 3[56]\\d\\d s, missing from the queue$`))]);
      expect(byId(run, 'REL-105').status).toBe('fail');
      expect(byId(run, 'REL-105').evidence).toEqual([expect.stringMatching(new RegExp(`^jobs table: job ${failed} queued for 3[56]\\d\\d s, failed in the queue$`))]);
      expect(fresh).toBeTruthy();
      cli('DEL', `bull:${q}:${waiting}`, `bull:${q}:${failed}`);
      cli('ZREM', `bull:${q}:failed`, failed);
    }).finally(() => stack.db.query('DELETE FROM jobs WHERE user_id = $1', [uid]));
  });

  it('REL-103 fails when a replica does not answer /readyz', async () => {
    const r = byId(await check(['REL-103'], { endpoints: (e) => e.api.push({ id: 'api-2', host: '127.0.0.1', port: am.port }) }), 'REL-103');
    expect(r.status).toBe('fail');
    expect(r.evidence).toEqual([`api-2 http://127.0.0.1:${am.port}/readyz → 404`]);
  });

  it('SEC-101 fails when the "api" answers a protected route without credentials', async () => {
    // Alertmanager stands in as a replica that does not enforce auth: it answers 404, not 401.
    const r = byId(await check(['SEC-101'], { endpoints: (e) => (e.api = [{ id: 'api-x', host: '127.0.0.1', port: am.port }]) }), 'SEC-101');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toMatch(/without credentials → 404/);
  });

  it('SEC-101 passes when the source is refused for its failed attempts before its credentials are read (429 auth_rate_limited)', async () => {
    const strict = await startProcess('api', stack.env, { AUTH_FAILURE_BURST: '1' });
    toStop.push(() => strict.stop());
    const r = byId(await check(['SEC-101'], { endpoints: (e) => (e.api = [{ id: 'strict', host: '127.0.0.1', port: strict.port }]) }), 'SEC-101');
    expect(r.status).toBe('pass');
    expect(r.evidence).toEqual([`GET http://127.0.0.1:${strict.port}/v1/jobs/00000000-0000-0000-0000-000000000000 without credentials → 401`, 'with an invalid key → 429']);
    await strict.stop();
  });

  it('PERF-101 fails when a replica does not enforce the per-user limit', async () => {
    const loose = await startProcess('api', stack.env, { RATE_REQUESTS_PER_SECOND: '100000', RATE_BURST: '100000' });
    toStop.push(() => loose.stop());
    const r = byId(await check(['PERF-101'], { endpoints: (e) => (e.api = [{ id: 'loose', host: '127.0.0.1', port: loose.port }]) }), 'PERF-101');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toMatch(/30 requests at once as the check user .* \(burst 10\): 404×30$/);
    await loose.stop();
    const nokey = byId(await check(['PERF-101'], { key: null }), 'PERF-101');
    expect(nokey.status).toBe('warn');
  });

  it('OPS-102 fails when a rendered rule is not loaded; OPS-103 when Alertmanager is down', async () => {
    const closed = await getFreePort(); // nothing listens there
    const run = await check(['OPS-102', 'OPS-103'], {
      edits: [{ file: 'prometheus/rules/alerts.yml', set: 'groups.0.rules.8', value: { alert: 'NotLoadedRule', expr: 'vector(1)' } }],
      endpoints: (e) => (e.alertmanager = { url: `http://127.0.0.1:${closed}` }),
    });
    expect(byId(run, 'OPS-102').evidence).toEqual([`${prom.url}: rendered rules not loaded: NotLoadedRule`]);
    expect(byId(run, 'OPS-103').status).toBe('fail');
    expect(byId(run, 'OPS-103').evidence[0]).toMatch(new RegExp(`^GET http://127\\.0\\.0\\.1:${closed}/-/ready → .*ECONNREFUSED`));
  });

  it('OPS-105 fails when the probed edge does not answer, naming each failed probe', async () => {
    const closed = await getFreePort(); // nothing listens there
    const probeDir = path.join(dir, 'probe-fail');
    mkdirSync(probeDir, { recursive: true });
    const job = (name: string, module: string, p: string) =>
      `  - { job_name: ${name}, metrics_path: /probe, params: { module: [${module}] }, static_configs: [{ targets: ["http://127.0.0.1:${closed}${p}"] }], relabel_configs: [{ source_labels: [__address__], target_label: __param_target }, { source_labels: [__param_target], target_label: instance }, { target_label: __address__, replacement: "127.0.0.1:${blackbox.port}" }] }\n`;
    const other = await startPrometheus(probeDir, {}, path.join(FIXTURES, 'baseline/prometheus/rules/alerts.yml'), am.url, job('probe_readyz', 'edge_readyz', '/readyz') + job('probe_status', 'edge_status', '/v1/jobs/00000000-0000-0000-0000-000000000000'));
    toStop.push(other.stop);
    await waitTargets(other.url, () => 'up');
    const r = byId(await check(['OPS-105'], { endpoints: (e) => (e.prometheus = { url: other.url }) }), 'OPS-105');
    expect(r.status).toBe('fail');
    expect([...r.evidence].sort()).toEqual([
      `probe_readyz http://127.0.0.1:${closed}/readyz: FAILED (HTTP 0)`,
      `probe_status http://127.0.0.1:${closed}/v1/jobs/00000000-0000-0000-0000-000000000000: FAILED (HTTP 0)`,
    ]);
    await other.stop();
  });

  it('DATA-103 fails when the last verify failed; OPS-104 fails on a nearly full data volume', async () => {
    const other = path.join(dir, 'backups-bad');
    writeBackupSet(other, new Date(Date.now() - 60_000), false);
    const small = path.join(dir, 'small');
    mkdirSync(small, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', small]);
    try {
      const run = await check(['DATA-103', 'OPS-104'], { profile: (p) => ((p.backup.target.path = other), (p.storage.uploads_path = small)) });
      expect(byId(run, 'DATA-103').status).toBe('fail');
      expect(byId(run, 'DATA-103').evidence[0]).toMatch(/verify\.json: set .* FAILED \(table users: checksum differs\)$/);
      expect(byId(run, 'OPS-104').status).toBe('fail');
      expect(byId(run, 'OPS-104').evidence.join('\n')).toMatch(new RegExp(`uploads ${small}: 8\\.0 MiB free of 8\\.0 MiB`));
    } finally {
      execFileSync('umount', [small]);
    }
  });

  it('SEC-102 passes for a 90-day certificate and fails for one that expires in 3 days', async () => {
    const good = await startTlsServer(dir, 'pdf.example.com', 90);
    const bad = await startTlsServer(dir, 'pdf.example.com', 3);
    toStop.push(good.stop, bad.stop);
    const at = (port: number) => (e: any) => (e.edge = { host: '127.0.0.1', httpsPort: port });
    const domain = (p: StackPlan['profile']) => (p.project.domains = ['pdf.example.com']);
    expect(byId(await check(['SEC-102'], { profile: domain, endpoints: at(good.port) }), 'SEC-102').status).toBe('pass');
    const r = byId(await check(['SEC-102'], { profile: domain, endpoints: at(bad.port) }), 'SEC-102');
    expect(r.status).toBe('fail');
    expect(r.evidence[0]).toMatch(/CN=pdf\.example\.com, valid to .* \([23] days left\)/);
  });

  it('backups deleted: DATA-102 and DATA-103 fail naming the folder', async () => {
    rmSync(backups, { recursive: true, force: true });
    const run = await check(['DATA-102', 'DATA-103']);
    expect(byId(run, 'DATA-102').evidence).toEqual([`${backups}: no backup set with a manifest.json`]);
    expect(byId(run, 'DATA-103').evidence).toEqual([`${backups}: no verify record for any of 0 set(s)`]);
  });

  it('all workers stopped: REL-106 and OPS-101 fail naming the evidence', async () => {
    await worker.stop();
    await waitTargets(prom.url, (job) => (job === 'worker' ? 'down' : 'up'));
    const run = await check(['REL-106', 'OPS-101']);
    expect(byId(run, 'REL-106').status).toBe('fail');
    expect(byId(run, 'REL-106').evidence[0]).toMatch(new RegExp(`CLIENT LIST: 0 BullMQ worker connection\\(s\\) on queue ${stack.env.QUEUE_NAME}$`));
    expect(byId(run, 'OPS-101').status).toBe('fail');
    expect(byId(run, 'OPS-101').evidence[0]).toMatch(new RegExp(`^worker http://127\\.0\\.0\\.1:${worker.metricsPort}/metrics: down`));
  });
});
