// `prodctl check` (the real CLI process) against a real native stack brought up by `prodctl up`:
// every live check passes, or is skipped for a reason that holds on native; JSON, JUnit, SARIF and
// readiness.md are written and read back with real parsers; the run is timed. Then three things
// are broken for real on that stack — Redis set to allkeys-lru, every worker stopped, the backups
// deleted — and each time the right check fails naming the evidence, and passes again once fixed.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_CHECKS } from '../../checks/registry.js';
import type { CheckRun } from '../../checks/types.js';
import { waitUntil } from '../native/support.js';
import { startNativeStack, stopService, targetHealth, type NativeStack } from './native-stack.js';
import { isHostDiskLow, withoutLowDiskWarning } from './host-disk.js';
import { ALL_CHECKS } from '../../checks/registry.js';
import { parseJunit, sarifValidator } from './report-parsers.js';

let stack: NativeStack;
let keyFile = '';
let rightAfterUp: CheckRun['results'][number];
const REDIS_PASSWORD = readFileSync(path.resolve(import.meta.dirname, '../../examples/small/example-secrets/redis_password'), 'utf8').trim();
/** Skips that are right on the native target without a domain, with the reason they must give. */
const NATIVE_SKIPS: Record<string, RegExp> = {
  'SEC-102': /project\.domains is empty/,
  'SEC-103': /native target: no Docker containers/,
  'SEC-104': /no TLS to check/,
  'SEC-105': /no TLS to check/,
  'SEC-106': /no TLS to check/,
};

async function check(args: string[]): Promise<{ run: CheckRun; exitCode: number; ms: number; stderr: string }> {
  const t0 = Date.now();
  const r = await stack.cli(['check', '--json', '--api-key-file', keyFile, ...args], 60_000);
  const ms = Date.now() - t0;
  if (r.exitCode !== 0 && r.exitCode !== 1) throw new Error(`prodctl check exited ${r.exitCode}:\n${r.stderr}`);
  return { run: JSON.parse(String(r.stdout)) as CheckRun, exitCode: r.exitCode!, ms, stderr: String(r.stderr) };
}

const result = (run: CheckRun, id: string) => run.results.find((r) => r.id === id)!;

function redisCli(...args: string[]) {
  const { redis } = stack.endpoints();
  return execa('redis-cli', ['-h', redis.host, '-p', String(redis.port), '--no-auth-warning', '-a', REDIS_PASSWORD, ...args]);
}

beforeAll(async () => {
  stack = await startNativeStack('prodctl-check-native-');
  // `prodctl up && prodctl check`: Prometheus has just started and may not have discovered or scraped anything.
  const first = await stack.cli(['check', '--json', '--live-only', '--only', 'OPS-101']);
  rightAfterUp = (JSON.parse(String(first.stdout)) as CheckRun).results[0];
  // The dedicated check user of the rate-limit probe, made the way the remediation says.
  const key = await stack.cli(['keys', 'create', '--user', 'prodctl-check', '--json']);
  expect(key.exitCode, String(key.stderr)).toBe(0);
  keyFile = path.join(stack.dir, 'check-api-key');
  writeFileSync(keyFile, JSON.parse(String(key.stdout)).key);
  const backup = await stack.cli(['backup']);
  expect(backup.exitCode, `${backup.stdout}\n${backup.stderr}`).toBe(0);
  // Every target scraped once: a check right after `up` would (rightly) warn "not scraped yet".
  const prom = stack.endpoints().prometheus.url;
  let targets: Awaited<ReturnType<typeof targetHealth>> = [];
  try {
    await waitUntil(async () => {
      targets = await targetHealth(prom);
      return targets.length >= 9 && targets.every((x) => x.health === 'up');
    }, 30_000, 250);
  } catch (err) {
    const seen = targets.map((t) => `${t.job} ${t.url}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`);
    throw new Error(`${(err as Error).message}\nPrometheus's targets at the end: ${seen.join('; ') || 'none'}`);
  }
}, 180_000);

afterAll(async () => {
  await stack?.down();
}, 120_000);

describe('prodctl check --live on the native stack', () => {
  it('right after `prodctl up`, targets Prometheus has not discovered or scraped yet warn instead of failing', () => {
    console.log(`OPS-101 right after up: ${rightAfterUp.status}: ${rightAfterUp.evidence.join('; ')}`);
    expect(['warn', 'pass']).toContain(rightAfterUp.status);
    if (rightAfterUp.status === 'warn') expect(rightAfterUp.evidence[0]).toMatch(/no active targets yet \(Prometheus started \d+ s ago\)|not scraped yet/);
  });

  it('every live check passes or is skipped for a native reason; JSON, JUnit, SARIF, readiness.md; under 10 s', async () => {
    const junit = path.join(stack.dir, 'check.junit.xml');
    const sarif = path.join(stack.dir, 'check.sarif');
    const report = path.join(stack.dir, 'readiness.md');
    const { run, exitCode, ms } = await check(['--live-only', '--junit', junit, '--sarif', sarif, '--report', report]);
    console.log(`prodctl check --live-only on the native stack: ${ms} ms wall (CLI process), ${run.durationMs} ms in checks`);
    const low = await isHostDiskLow(stack.dir);
    if (low) console.log(`host disk under 20 % free: OPS-104 warns, as it should (${result(run, 'OPS-104').evidence.join('; ')})`);
    const bad = withoutLowDiskWarning(run.results, low).filter((r) => r.status !== 'pass' && !(r.status === 'skip' && NATIVE_SKIPS[r.id]?.test(r.evidence.join(' '))));
    expect(bad.map((r) => `${r.id} ${r.status}: ${r.evidence.join('; ')}`)).toEqual([]);
    expect(run.results.map((r) => r.id).sort()).toEqual(LIVE_CHECKS.map((c) => c.id).sort());
    expect(exitCode).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const warned = low ? 1 : 0;
    expect(run.summary).toMatchObject({ pass: run.results.length - 5 - warned, warn: warned, fail: 0, skip: 5 });
    if (!low) expect(run.summary.score).toBe(100);
    // The evidence names the real stack: its ports, its Prometheus targets, its backup set.
    const ep = stack.endpoints();
    expect(result(run, 'REL-101').evidence[0]).toBe(`redis ${ep.redis.host}:${ep.redis.port} CONFIG GET maxmemory-policy = noeviction`);
    expect(result(run, 'REL-106').evidence[0]).toMatch(/2 BullMQ worker connection\(s\)/);
    expect(result(run, 'OPS-101').evidence[0]).toMatch(/targets up \(alertmanager, api, edge, node, postgres, probe_readyz, probe_status, prometheus, redis, worker\)/);
    expect(result(run, 'OPS-105').evidence[0]).toMatch(/^probe_readyz http:\/\/127\.0\.0\.1:\d+\/readyz: succeeded \(HTTP 200\); probe_status http:.*: succeeded \(HTTP 404\)$/);
    expect(result(run, 'PERF-101').evidence[0]).toMatch(/429×[1-9]/);
    expect(result(run, 'DATA-102').evidence[0]).toContain(stack.backups);

    const { doc, cases } = parseJunit(readFileSync(junit, 'utf8'));
    expect(cases.length).toBe(run.results.length);
    expect(Number(doc.testsuites.failures)).toBe(0);
    const validate = sarifValidator();
    const log = JSON.parse(readFileSync(sarif, 'utf8'));
    expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // Only warnings, failures and waivers become SARIF results: none here (but OPS-104 on a full host).
    expect(log.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(low ? ['OPS-104'] : []);
    expect(log.runs[0].tool.driver.rules.length).toBe(run.results.length);
    const md = readFileSync(report, 'utf8');
    if (!low) expect(md).toMatch(/Score: \*\*100\/100\*\*/);
    expect(md).toContain('CONFIG GET maxmemory-policy = noeviction');
  });

  it('the full check (static + live) finishes in under 10 s', async () => {
    const { run, ms } = await check([]);
    console.log(`prodctl check (static + live) on the native stack: ${ms} ms wall, ${run.results.length} checks; summary ${JSON.stringify(run.summary)}`);
    expect(run.results.length).toBe(ALL_CHECKS.length); // every registered check ran
    const low = await isHostDiskLow(stack.dir);
    for (const r of withoutLowDiskWarning(run.results, low).filter((x) => x.scope === 'live')) expect(r.status === 'pass' || NATIVE_SKIPS[r.id], `${r.id}: ${r.evidence.join('; ')}`).toBeTruthy();
    // The native haproxy.cfg keeps its metrics listener on loopback: no public frontend routes metrics.
    expect(result(run, 'SEC-024').status, result(run, 'SEC-024').evidence.join('; ')).toBe('pass');
    expect(ms).toBeLessThan(10_000);
  });

  it('Redis set to allkeys-lru: REL-101 fails naming the running value; back to noeviction, it passes', async () => {
    await redisCli('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const { run, exitCode } = await check(['--only', 'REL-101']);
      expect(exitCode).toBe(1);
      expect(result(run, 'REL-101').status).toBe('fail');
      expect(result(run, 'REL-101').evidence[0]).toMatch(/CONFIG GET maxmemory-policy = allkeys-lru$/);
    } finally {
      await redisCli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
    expect((await check(['--only', 'REL-101'])).exitCode).toBe(0);
  });

  it('every worker stopped: REL-106 fails (0 workers on the queue) and OPS-101 names the worker targets; `prodctl up` brings them back', async () => {
    const stopped = await stopService(stack, 'worker');
    expect(stopped).toEqual(['worker-2', 'worker-3']);
    const prom = stack.endpoints().prometheus.url;
    await waitUntil(async () => (await targetHealth(prom)).filter((t) => t.job === 'worker').every((t) => t.health === 'down'), 15_000, 250);
    const { run, exitCode } = await check(['--only', 'REL-106,OPS-101']);
    expect(exitCode).toBe(1);
    expect(result(run, 'REL-106').status).toBe('fail');
    expect(result(run, 'REL-106').evidence[0]).toMatch(/CLIENT LIST: 0 BullMQ worker connection\(s\) on queue pdf-jobs/);
    expect(result(run, 'OPS-101').status).toBe('fail');
    const workerUrls = stack.endpoints().workers.map((w) => `worker http://${w.host}:${w.metricsPort}/metrics: down`);
    for (const u of workerUrls) expect(result(run, 'OPS-101').evidence.some((e) => e.startsWith(u)), `${u} in ${result(run, 'OPS-101').evidence}`).toBe(true);

    const up = await stack.cli(['up']);
    expect(up.exitCode, String(up.stderr)).toBe(0);
    expect(String(up.stdout)).toMatch(/started worker-2/);
    await waitUntil(async () => (await targetHealth(prom)).every((t) => t.health === 'up'), 15_000, 250);
    const again = await check(['--only', 'REL-106,OPS-101']);
    expect(again.run.results.map((r) => `${r.id} ${r.status}`)).toEqual(['REL-106 pass', 'OPS-101 pass']);
  });

  it('the backups deleted: DATA-102 and DATA-103 fail naming the backup folder; a new backup fixes both', async () => {
    for (const f of readdirSync(stack.backups)) rmSync(path.join(stack.backups, f), { recursive: true, force: true });
    const { run, exitCode } = await check(['--only', 'DATA-102,DATA-103']);
    expect(exitCode).toBe(1);
    expect(result(run, 'DATA-102').status).toBe('fail');
    expect(result(run, 'DATA-102').evidence[0]).toBe(`${stack.backups}: no backup set with a manifest.json`);
    expect(result(run, 'DATA-103').status).toBe('fail');
    expect(result(run, 'DATA-103').evidence[0]).toBe(`${stack.backups}: no verify record for any of 0 set(s)`);
    const backup = await stack.cli(['backup']);
    expect(backup.exitCode, String(backup.stderr)).toBe(0);
    expect((await check(['--only', 'DATA-102,DATA-103'])).run.results.map((r) => r.status)).toEqual(['pass', 'pass']);
  });
});
