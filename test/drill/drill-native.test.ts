// `prodctl drill` on one real native stack shared by every scenario: background load through the
// edge, the fault, the recovery, and the report's invariants (0 jobs lost, 0 completed twice, the
// expected alerts fired and resolved in Alertmanager). The burn-rate windows are shortened through
// the profile so the page fires in seconds. A drill whose alert is disabled (through --set) fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { mountDataVolume, type DataVolume } from './data-volume.js';

let stack: NativeStack;
let volume: DataVolume | undefined;
const SHORT = ['--warmup', '3s', '--alert-timeout', '90s'];
const wall: Record<string, number> = {};

async function drill(scenario: string, extra: string[] = [], label = scenario) {
  const dir = path.join(stack.dir, `report-${scenario}-${Date.now()}`);
  const t0 = Date.now();
  const r = await stack.cli(['drill', scenario, '--json', '--report-dir', dir, ...SHORT, ...extra], 420_000);
  wall[label] = Date.now() - t0;
  if (!existsSync(path.join(dir, 'drill.json'))) throw new Error(`no report (exit ${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(path.join(dir, 'drill.json'), 'utf8'));
  const md = readFileSync(path.join(dir, 'drill.md'), 'utf8');
  const junit = readFileSync(path.join(dir, 'drill.junit.xml'), 'utf8');
  console.log(md);
  return { r, report, md, junit };
}

const inv = (report: any, name: RegExp) => report.invariants.find((i: any) => name.test(i.name));

beforeAll(async () => {
  stack = await startNativeStack('prodctl-drill-native-', {
    slo: { burn_alerts: { page_fast: { long_window: '1m', short_window: '15s' } } },
    api: { rate_limits: { requests_per_second: 200, burst: 400 } },
  }, async (stateDir) => {
    // The data folder is a 512 MiB volume of its own, for disk-pressure.
    volume = await mountDataVolume(path.join(stateDir, 'native/data'), path.join(path.dirname(stateDir), 'data-volume.img'), 512);
  });
}, 240_000);

afterAll(async () => {
  console.log(`drill wall times (ms): ${JSON.stringify(wall)}`);
  await stack?.down();
  await volume?.unmount();
}, 120_000);

describe('prodctl drill on the native stack', () => {
  it('refuses project.environment: production without --yes-production', async () => {
    const r = await stack.cli(['drill', 'redis-restart', '--set', 'project.environment=production']);
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain('error: refusing to drill pdf-native-check: project.environment is production — rehearse on staging; to break production on purpose, add --yes-production');
    const u = await stack.cli(['drill', 'nope']);
    expect(u.exitCode).toBe(2);
    expect(String(u.stderr)).toContain('unknown drill scenario nope — one of: postgres-restart, redis-restart, worker-crash, bad-deploy, disk-pressure');
  });

  it('worker-crash: a worker SIGKILLed under load loses no job and completes none twice', async () => {
    const { r, report, junit } = await drill('worker-crash');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(report.passed).toBe(true);
    expect(report.accepted).toBeGreaterThan(0);
    expect(report).toMatchObject({ lost: 0, completedTwice: 0 });
    expect(report.timeline.map((e: any) => e.what).join('\n')).toMatch(/fault: SIGKILL to worker-\d+ \(pid \d+\)/);
    expect(junit).toContain('failures="0"');
  }, 420_000);

  it('bad-deploy: a never-healthy release deployed under load is refused; the old release keeps serving; nothing lost', async () => {
    const sup = await stack.supervisor();
    const apiBefore = (await sup.status()).filter((p) => p.service === 'api' && p.state === 'running').map((p) => p.id);
    const { r, report, junit } = await drill('bad-deploy', ['--set', 'deploy.timeout=5s']);
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(report).toMatchObject({ passed: true, lost: 0, completedTwice: 0, alerts: [] });
    expect(report.failedRequests).toBe(0);
    expect(report.deploy).toMatchObject({ outcome: 'refused', releaseAfter: report.deploy.releaseBefore });
    expect(report.deploy.reason).toMatch(/api-\d+ \(drill-bad-release\) did not pass \/readyz within 5 s; rollout stopped/);
    expect(inv(report, /^bad release refused/)).toMatchObject({ ok: true });
    expect(junit).toContain('name="bad release refused, old release keeps serving"');
    // The refused replica is stopped and gone; the old ones are the ones serving.
    expect((await sup.status()).filter((p) => p.service === 'api' && p.state === 'running').map((p) => p.id)).toEqual(apiBefore);
    expect(readdirSync(path.join(stack.stateDir, 'drills')).filter((n) => n.startsWith('bad-release-'))).toEqual([]);
  }, 420_000);

  it('disk-pressure: a scratch file fills the data volume until HostDiskFilling fires for it; removed, the alert resolves', async () => {
    const { r, report } = await drill('disk-pressure');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(report).toMatchObject({ passed: true, lost: 0, completedTwice: 0 });
    expect(report.alerts).toEqual([expect.objectContaining({ alert: 'HostDiskFilling', labels: { mountpoint: volume!.mountpoint } })]);
    expect(report.alerts[0].firedAtMs).not.toBeNull();
    expect(report.alerts[0].resolvedAtMs).not.toBeNull();
    const what = report.timeline.map((e: any) => e.what).join('\n');
    expect(what).toMatch(/fault: wrote \d+ MiB to \S+prodctl-drill-scratch-\d+: \S+ free \d+\.\d % → [45]\.\d % \(alert below 10\.0 %\)/);
    expect(readdirSync(volume!.mountpoint).filter((n) => n.startsWith('prodctl-drill-scratch-'))).toEqual([]);
    // Bounded: a fill larger than --max-fill is refused before anything is written.
    const capped = await stack.cli(['drill', 'disk-pressure', '--max-fill', '1']);
    expect(capped.exitCode).toBe(2);
    expect(String(capped.stderr)).toMatch(/error: filling \S+ to 5\.0 % free needs \d+ MiB, more than --max-fill 1 MiB — rehearse on a stack whose data folder is a small volume of its own, or raise --max-fill/);
  }, 420_000);

  it('postgres-restart: the fast burn page fires and resolves in Alertmanager; nothing lost', async () => {
    const { r, report } = await drill('postgres-restart');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(report).toMatchObject({ passed: true, lost: 0, completedTwice: 0 });
    for (const a of report.alerts) expect(a.firedAtMs !== null && a.resolvedAtMs !== null, JSON.stringify(a)).toBe(true);
    expect(report.alerts.map((a: any) => a.alert)).toEqual(['SloBudgetBurnFast']);
    expect(report.failedRequests).toBeGreaterThan(0);
  }, 420_000);

  it('redis-restart: the fast burn page fires and resolves; nothing lost', async () => {
    const { r, report } = await drill('redis-restart');
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(report).toMatchObject({ passed: true, lost: 0, completedTwice: 0 });
    expect(inv(report, /^SloBudgetBurnFast/).ok).toBe(true);
  }, 420_000);

  it('a drill whose alert never fires fails: the fast burn page disabled through --set', async () => {
    const off = ['--set', 'slo.burn_alerts.page_fast.enabled=false'];
    const up = await stack.cli(['up', ...off]);
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    const { r, report } = await drill('postgres-restart', [...off, '--alert-timeout', '30s'], 'postgres-restart (rule disabled)');
    expect(r.exitCode).toBe(1);
    expect(String(r.stderr)).toMatch(/error: drill postgres-restart failed: .*SloBudgetBurnFast fired and resolved in Alertmanager/);
    expect(report.passed).toBe(false);
    expect(inv(report, /^SloBudgetBurnFast/)).toMatchObject({ ok: false, detail: 'fired never, resolved never' });
    expect(report.lost).toBe(0);
  }, 420_000);
});
