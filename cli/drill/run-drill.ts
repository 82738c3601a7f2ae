// `prodctl drill <scenario>` on a running native stack: background load from the built-in engine,
// the fault, the recovery through the target, and the evidence — the timeline, Alertmanager's view
// of the expected alerts, the jobs in Postgres — judged into a report.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { buildLoadPlan } from '../../loadtest/plan.js';
import { runEngine, type EngineRun } from '../../loadtest/engine/run-engine.js';
import { createLiveProbes } from '../../checks/live/create-probes.js';
import type { LiveProbes } from '../../checks/live/probes.js';
import { findSupervisor } from '../../targets/native/supervisor/supervisor-client.js';
import type { Target, TargetContext } from '../../targets/types.js';
import type { CliContext } from '../context.js';
import { mintRunKeys, revokeRunKeys } from '../run-loadtest.js';
import type { AlertSeen, DrillNumbers, TimelineEvent } from './drill-report.js';
import type { ScenarioSpec } from './scenarios.js';
import { deployBadRelease, writeBadRelease } from './bad-release.js';
import { checkFillBound, fillVolume, mountPointOf, removeFill, type DiskFill } from './disk-fill.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { fetchActiveAlerts } from '../../lib/alertmanager.js';
import { deriveMonitoringSettings } from '../../templates/monitoring/monitoring-settings.js';

export interface DrillRunInput {
  ctx: CliContext;
  spec: ScenarioSpec;
  target: Target;
  tctx: TargetContext;
  edgeUrl: string;
  alertmanagerUrl: string;
  vus: number;
  /** How long the fault is held at most while waiting for its alerts, and how long they may take to resolve. */
  alertTimeoutMs: number;
  warmupMs: number;
  /** disk-pressure: the most the scratch file may take, bytes. */
  maxFillBytes: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ms: number, stepMs: number, fn: () => Promise<boolean>): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await sleep(stepMs)) if (await fn().catch(() => false)) return true;
  return false;
}

/** Records fire and resolve times of the expected alerts (by name, and by labels where given) while the drill runs. */
function watchAlerts(url: string, watched: Pick<AlertSeen, 'alert' | 'labels'>[], t0: number): { seen: AlertSeen[]; stop(): void } {
  const seen: AlertSeen[] = watched.map((w) => ({ ...w, firedAtMs: null, resolvedAtMs: null }));
  const timer = setInterval(() => {
    fetchActiveAlerts(url, 5_000).then((alerts) => {
      const active = alerts.map((a) => a.labels);
      for (const s of seen) {
        const on = active.some((l) => l.alertname === s.alert && Object.entries(s.labels ?? {}).every(([k, v]) => l[k] === v));
        if (s.firedAtMs === null && on) s.firedAtMs = Date.now() - t0;
        else if (s.firedAtMs !== null && s.resolvedAtMs === null && !on) s.resolvedAtMs = Date.now() - t0;
      }
    }, () => {});
  }, 500);
  return { seen, stop: () => clearInterval(timer) };
}

async function injectFault(i: DrillRunInput, fault: { kind: 'hold-down' | 'kill'; service: string }, note: (what: string) => void): Promise<void> {
  const sup = await findSupervisor(i.ctx.stateDir);
  if (!sup) throw new Error(`no supervisor runs for ${i.ctx.stateDir}: is the stack up?`);
  const procs = (await sup.status()).filter((p) => p.service === fault.service && p.state === 'running');
  if (!procs.length) throw new Error(`no running ${fault.service} process to break`);
  if (fault.kind === 'kill') {
    const victim = procs[0];
    process.kill(victim.pid!, 'SIGKILL');
    note(`fault: SIGKILL to ${victim.id} (pid ${victim.pid})`);
    return;
  }
  for (const p of procs) await sup.stop(p.id);
  note(`fault: stopped ${procs.map((p) => p.id).join(', ')}`);
}

/** Deploys a never-healthy build (written under the state folder, removed after) through the target. */
async function injectBadDeploy(i: DrillRunInput, t0: number, note: (what: string) => void): Promise<DrillNumbers['deploy']> {
  const build = writeBadRelease(path.join(i.ctx.stateDir, 'drills', `bad-release-${t0}`));
  note(`fault: deploying the never-healthy build ${build}`);
  try {
    const d = await deployBadRelease(i.target, i.tctx, build);
    note(`deploy ${d.outcome}: ${d.reason.split('\n')[0]}`);
    return d;
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
}

const diskFreeThreshold = (i: DrillRunInput) => deriveMonitoringSettings(i.tctx.plan).thresholds.diskFreeRatio;

/** Fills the data volume to half the disk alert's free-space threshold. */
async function injectDiskFill(i: DrillRunInput, note: (what: string) => void): Promise<DiskFill> {
  const threshold = diskFreeThreshold(i);
  const fill = await fillVolume(nativePaths(i.ctx.stateDir).dataDir, threshold / 2, i.maxFillBytes);
  const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
  note(`fault: wrote ${Math.round(fill.bytes / 1024 / 1024)} MiB to ${fill.file}: ${fill.mountpoint} free ${pct(fill.freeRatioBefore)} → ${pct(fill.freeRatioDuring)} (alert below ${pct(threshold)})`);
  return fill;
}

/** Jobs accepted since `since` (Postgres' clock): settled, lost and completed twice. */
async function jobNumbers(probes: LiveProbes, since: string, settleMs: number): Promise<Pick<DrillNumbers, 'accepted' | 'completed' | 'failed' | 'lost' | 'completedTwice'>> {
  const open = async () => (await probes.pgQuery<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE created_at >= $1 AND state IN ('queued', 'active')`, [since]))[0].n;
  await until(settleMs, 500, async () => (await open()) === 0);
  const by = Object.fromEntries((await probes.pgQuery<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM jobs WHERE created_at >= $1 GROUP BY state`, [since])).map((r) => [r.state, r.n]));
  const twice = await probes.pgQuery<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT f.source_job_id FROM files f JOIN jobs j ON j.id = f.source_job_id WHERE j.created_at >= $1 GROUP BY f.source_job_id HAVING count(*) > 1) t`,
    [since],
  );
  const accepted = Object.values(by).reduce((a, b) => a + b, 0);
  return { accepted, completed: by.completed ?? 0, failed: by.failed ?? 0, lost: (by.queued ?? 0) + (by.active ?? 0), completedTwice: twice[0].n };
}

function requestCounts(run: EngineRun): { requests: number; failedRequests: number } {
  let requests = 0;
  let failedRequests = 0;
  for (const s of run.aggregate.series.values()) {
    requests += s.count;
    failedRequests += s.failed;
  }
  return { requests, failedRequests };
}

export async function executeDrill(i: DrillRunInput): Promise<DrillNumbers> {
  const t0 = Date.now();
  const timeline: TimelineEvent[] = [];
  const note = (what: string) => {
    timeline.push({ atMs: Date.now() - t0, what });
    i.ctx.log.info(`+${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);
  };
  const plan = i.tctx.plan;
  // A connection opened before the fault does not survive a Postgres restart: one for the start, a fresh one after.
  const openProbes = () => createLiveProbes(plan, { stateDir: i.ctx.stateDir, checkApiKey: null });
  // A volume too large for the bound is refused before any load or key.
  if (i.spec.fault.kind === 'fill-disk') checkFillBound(nativePaths(i.ctx.stateDir).dataDir, diskFreeThreshold(i) / 2, i.maxFillBytes);
  const first = await openProbes();
  const since = await first.pgQuery<{ now: string }>(`SELECT now()::text AS now`).then((r) => r[0].now).finally(() => first.close());
  const minted = await mintRunKeys(i.ctx, i.vus);
  const abort = new AbortController();
  const fault = i.spec.fault;
  // The disk alert counts only for the data volume's own mount point.
  const labels = fault.kind === 'fill-disk' ? { mountpoint: mountPointOf(nativePaths(i.ctx.stateDir).dataDir) } : undefined;
  const alerts = watchAlerts(i.alertmanagerUrl, i.spec.alerts.map((alert) => ({ alert, labels })), t0);
  let fill: DiskFill | undefined;
  try {
    const lp = buildLoadPlan(plan.profile.loadtest, { vus: i.vus, duration: '30m' });
    const load = runEngine({ plan: lp, origin: i.edgeUrl, keys: minted.keys, pdf: Buffer.from(renderSamplePdf(lp.workload.samplePages)), threads: 1, signal: abort.signal });
    note(`load: ${i.vus} VUs of scenario ${lp.scenarioName} through ${i.edgeUrl}`);
    await sleep(i.warmupMs);
    let deploy: DrillNumbers['deploy'];
    if (fault.kind === 'bad-deploy') deploy = await injectBadDeploy(i, t0, note);
    else if (fault.kind === 'fill-disk') fill = await injectDiskFill(i, note);
    else await injectFault(i, fault, note);
    if (i.spec.alerts.length) {
      const fired = await until(i.alertTimeoutMs, 500, async () => alerts.seen.every((a) => a.firedAtMs !== null));
      note(fired ? `alerts firing: ${i.spec.alerts.join(', ')}` : `alerts not all firing after ${i.alertTimeoutMs / 1000} s: ${alerts.seen.filter((a) => a.firedAtMs === null).map((a) => a.alert).join(', ')}`);
    }
    const tRecover = Date.now();
    if (fill) {
      await removeFill(fill);
      note(`recovery: removed ${fill.file}`);
    } else if (fault.kind === 'hold-down') {
      const r = await i.target.up(i.tctx);
      note(`recovery: prodctl up (${r.changes.join('; ')})`);
    } else if (fault.kind === 'bad-deploy') note('recovery: none to do — the deploy stopped by itself');
    else note('recovery: the supervisor restarts the process by itself');
    const good = await until(120_000, 200, async () => (await fetch(`${i.edgeUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200);
    const recoveryMs = good ? Date.now() - tRecover : null;
    note(good ? `first good answer through the edge after ${recoveryMs} ms` : 'no good answer through the edge within 120 s');
    if (i.spec.alerts.length) {
      const resolved = await until(i.alertTimeoutMs, 500, async () => alerts.seen.every((a) => a.firedAtMs === null || a.resolvedAtMs !== null));
      note(resolved ? 'alerts resolved' : `alerts still active after ${i.alertTimeoutMs / 1000} s`);
    }
    await sleep(i.warmupMs);
    abort.abort();
    const run = await load;
    note(`load stopped: ${run.aggregate.totals.iterations} iterations`);
    const probes = await openProbes();
    const jobs = await jobNumbers(probes, since, 120_000).finally(() => probes.close());
    note(`jobs settled: ${jobs.accepted} accepted, ${jobs.lost} unfinished`);
    return { project: plan.project, environment: plan.profile.project.environment, startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0, timeline, ...requestCounts(run), ...jobs, recoveryMs, alerts: alerts.seen, deploy };
  } finally {
    if (fill) await removeFill(fill);
    alerts.stop();
    abort.abort();
    await revokeRunKeys(minted).catch(() => {});
  }
}
