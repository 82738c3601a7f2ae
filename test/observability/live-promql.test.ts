// Every PromQL expression of the rendered rules and dashboards runs against a live Prometheus
// that scrapes the real runtime and exporters: none may error, and every metric name they read
// must exist there (except the Traefik one: no Traefik binary can be had on these machines).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSamplePdf } from '../../loadtest/sample-pdf.js';
import { listMonitoringExpressions } from '../../templates/monitoring/render-monitoring.js';
import { mintKey, uploadPdf, waitForJob } from '../runtime/support.js';
import { startLiveStack, submitFirstJob, writeTextfiles, type LiveStack } from './live-stack.js';
import { queryPrometheus, waitFor } from './monitoring-processes.js';

let stack: LiveStack;
const ABSENT_BY_DESIGN = new Set(['traefik_tls_certs_not_after']);

beforeAll(async () => {
  // two uploads a minute: the second upload is rate limited, so the 429 counter exists too
  stack = await startLiveStack({ apiEnv: { RATE_UPLOADS_PER_MINUTE: '1' } });
  writeTextfiles(stack.textfileDir, { backupAgeSeconds: 3600, verifyOk: true, certDays: 60 });
  // Real traffic: an upload, a job through the worker, status polls, a 404.
  const key = await mintKey(stack.runtime, 'obs-user');
  const up = await uploadPdf(stack.api.base, key, Buffer.from(renderSamplePdf(3)));
  expect(up.status).toBe(201);
  expect((await uploadPdf(stack.api.base, key, Buffer.from(renderSamplePdf(1)))).status).toBe(429);
  const job = await submitFirstJob(stack, key, { op: 'info', inputs: [up.body.id] });
  expect(job.status, `${JSON.stringify(job.body)}\n${stack.api.output().slice(-2000)}`).toBeLessThan(300);
  expect((await waitForJob(stack.api.base, key, job.body.id)).state).toBe('completed');
  await fetch(`${stack.api.base}/v1/jobs/00000000-0000-0000-0000-000000000000`, { headers: { authorization: `Bearer ${key}` } });
  const prom = stack.procs.prometheus.port;
  // every job scraped successfully at least twice, so rate() has two points
  await waitFor('all targets up', async () => {
    const r = await queryPrometheus(prom, 'count_over_time(up[1m]) >= 3 and up == 1');
    return (r.data?.result.length ?? 0) >= 8;
  }, 60_000, 500);
});

afterAll(async () => {
  await stack?.cleanup();
});

describe('rule and dashboard PromQL against a live Prometheus', () => {
  it('scrapes every job of the rendered config: prometheus, alertmanager, api, worker, postgres, redis, node, edge', async () => {
    const r = await queryPrometheus(stack.procs.prometheus.port, 'up');
    const jobs = Object.fromEntries(r.data!.result.map((x) => [x.metric.job, x.value[1]]));
    expect(jobs).toEqual({ prometheus: '1', alertmanager: '1', api: '1', worker: '1', postgres: '1', redis: '1', node: '1', edge: '1' });
  });

  it('loads every rendered rule group', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.procs.prometheus.port}/api/v1/rules`);
    const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = body.data.groups.flatMap((g) => g.rules);
    const expected = listMonitoringExpressions(stack.plan).filter((e) => e.source.startsWith('rule ')).length;
    expect(rules.length).toBe(expected);
    await waitFor('every rule evaluated', async () => {
      const again = (await (await fetch(`http://127.0.0.1:${stack.procs.prometheus.port}/api/v1/rules`)).json()) as typeof body;
      return again.data.groups.flatMap((g) => g.rules).every((x) => x.health === 'ok');
    }, 15_000);
  });

  it('executes every rule and dashboard expression without error or warning', async () => {
    const exprs = listMonitoringExpressions(stack.plan);
    expect(exprs.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const e of exprs) {
      const r = await queryPrometheus(stack.procs.prometheus.port, e.expr);
      if (r.status !== 'success' || (r.warnings?.length ?? 0) > 0) failures.push(`${e.source}: ${r.errorType ?? ''} ${r.error ?? r.warnings?.join('; ')} — ${e.expr}`);
    }
    expect(failures).toEqual([]);
  });

  it('every metric name the expressions read exists in the live Prometheus', async () => {
    const res = await fetch(`http://127.0.0.1:${stack.procs.prometheus.port}/api/v1/label/__name__/values`);
    const names = new Set(((await res.json()) as { data: string[] }).data);
    const referenced = new Set(listMonitoringExpressions(stack.plan).flatMap((e) => e.expr.match(/\b(?:prodctl|pg|redis|node|nodejs|process|prometheus|traefik)_[a-zA-Z0-9_]+/g) ?? []));
    referenced.add('up');
    const missing = [...referenced].filter((n) => !names.has(n) && !ABSENT_BY_DESIGN.has(n)).sort();
    expect(missing).toEqual([]);
  });

  it('the rendered prometheus.yml reads the native target files', () => {
    const cfg = readFileSync(`${stack.renderedDir}/prometheus/prometheus.yml`, 'utf8');
    for (const job of ['api', 'worker', 'postgres', 'redis', 'node', 'edge', 'alertmanager', 'prometheus']) expect(cfg).toContain(`targets/${job}.json`);
  });
});
