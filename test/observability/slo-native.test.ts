// `prodctl slo` and the burn-rate alerts on a real native stack: after a known number of 5xx
// answers the SLI is exact to the request (probes excluded), and a real fault (Postgres stopped)
// fires the page-level burn alert in Alertmanager, with the windows shortened through the profile,
// and the alert resolves once the fault is gone.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_KEYS } from '../../contract/index.js';
import { renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { ROOT } from '../native/support.js';
import { startNativeStack, stopService, type NativeStack } from '../checks/native-stack.js';
import { submitJob, uploadPdf } from '../runtime/support.js';
import { waitFor } from '../support/wait-for.js';

let stack: NativeStack;
let key = '';
let api = '';
let fileId = '';

const prom = (expr: string) => fetch(`${stack.endpoints().prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`).then((r) => r.json() as Promise<any>);
/** Resolves once every API replica was scraped after `since` (ms). */
const scrapedAfter = (since: number) => waitFor('a scrape after the last request', async () => {
  const r = await prom('min(timestamp(up{job="api"}))');
  return Number(r.data?.result[0]?.value[1] ?? 0) * 1000 > since + 500;
}, 30_000);
const getFile = () => fetch(`${api}/v1/files/${fileId}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
const amAlerts = async () => (await (await fetch(`${stack.endpoints().alertmanager.url}/api/v2/alerts?active=true`)).json()) as { labels: Record<string, string> }[];

beforeAll(async () => {
  stack = await startNativeStack('prodctl-slo-native-', {
    // The Workbook's windows shortened for the test: the fast page reads 1 minute and 15 seconds.
    // Probes off: their status calls are real requests and would join the counts this test makes exact.
    slo: { burn_alerts: { page_fast: { long_window: '1m', short_window: '15s' } }, probes: { enabled: false } },
    api: { rate_limits: { requests_per_second: 200, burst: 400 } },
  });
  const k = await stack.cli(['keys', 'create', '--user', 'slo-user', '--json']);
  expect(k.exitCode, String(k.stderr)).toBe(0);
  key = JSON.parse(String(k.stdout)).key;
  const a = stack.endpoints().api[0];
  // Straight to the API replica: requests the edge answers itself never reach the API's counters.
  api = `http://${a.host}:${a.port}`;
  const up = await uploadPdf(api, key, Buffer.from(renderSamplePdf(2)));
  expect(up.status).toBe(201);
  fileId = up.body.id;
}, 240_000);

afterAll(async () => {
  await stack?.down();
}, 120_000);

describe('SLOs on the native stack', () => {
  it('prodctl slo --json: 7 maintenance 503s among 28 requests give availability 21/28, exactly', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await getFile());
    const secrets = path.join(ROOT, 'examples/small/example-secrets');
    const redisEp = stack.endpoints().redis;
    const redis = new Redis({ host: redisEp.host, port: redisEp.port, password: readFileSync(path.join(secrets, 'redis_password'), 'utf8').trim(), lazyConnect: true });
    await redis.connect();
    await redis.set(REDIS_KEYS.maintenance, '1');
    try {
      for (let i = 0; i < 7; i++) statuses.push((await submitJob(api, key, { op: 'info', inputs: [fileId] })).status);
    } finally {
      await redis.del(REDIS_KEYS.maintenance);
      redis.disconnect();
    }
    const last = Date.now();
    expect(statuses.filter((s) => s === 200).length).toBe(20);
    expect(statuses.filter((s) => s === 503).length).toBe(7);
    await scrapedAfter(last);
    const r = await stack.cli(['slo', '--json', '--window', '1h']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    const out = JSON.parse(String(r.stdout));
    const availability = out.slos.find((s: any) => s.slo === 'availability');
    // 1 upload + 20 reads + 7 refused submissions; the edge's /readyz probes are not counted.
    expect(availability).toMatchObject({ total: 28, bad: 7, target: 0.995, window: '1h' });
    expect(availability.actual).toBe(1 - 7 / 28);
    expect(availability.budgetRemaining).toBeCloseTo(1 - (7 / 28) / 0.005, 9);
    const upload = out.slos.find((s: any) => s.slo === 'upload_latency');
    expect(upload).toMatchObject({ total: 1, bad: 0, actual: 1 });
    const table = await stack.cli(['slo', '--window', '1h']);
    expect(String(table.stdout)).toMatch(/availability\s+99\.5 %\s+75 %/);
    console.log(String(table.stdout));
    // prodctl status: the budget left over the profile's window (30d), here the same 28 requests.
    const st = await stack.cli(['status', '--json'], 30_000);
    const budgets = JSON.parse(String(st.stdout)).slo;
    expect(budgets.window).toBe('30d');
    expect(budgets.budgets.find((b: any) => b.slo === 'availability').budgetRemaining).toBeCloseTo(1 - (7 / 28) / 0.005, 9);
  }, 120_000);

  it('Postgres stopped under traffic fires SloBudgetBurnFast (shortened windows) in Alertmanager; it resolves after recovery', async () => {
    let running = true;
    const seen: number[] = [];
    const load = (async () => {
      while (running) {
        seen.push(await getFile().catch(() => 0));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await new Promise((r) => setTimeout(r, 5_000));
      const t0 = Date.now();
      await stopService(stack, 'postgres');
      const fired = await waitFor('SloBudgetBurnFast in Alertmanager', async () => (await amAlerts()).some((a) => a.labels.alertname === 'SloBudgetBurnFast' && a.labels.slo === 'availability' && a.labels.page === 'page'), 120_000, 500);
      const firedAfter = Date.now() - t0;
      expect(fired).toBe(true);
      expect(seen.filter((s) => s >= 500).length).toBeGreaterThan(0);
      const up = await stack.cli(['up'], 180_000);
      expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
      const t1 = Date.now();
      await waitFor('the API answers again', async () => (await getFile()) === 200, 60_000);
      await waitFor('SloBudgetBurnFast resolved', async () => !(await amAlerts()).some((a) => a.labels.alertname === 'SloBudgetBurnFast'), 180_000, 500);
      console.log(`SloBudgetBurnFast reached Alertmanager ${firedAfter} ms after Postgres stopped; resolved ${Date.now() - t1} ms after prodctl up`);
    } finally {
      running = false;
      await load;
    }
  }, 420_000);
});
