// The pure monitoring renderers: exact expectations on what the plan turns into, plus the real
// parsers (promtool check config, amtool check-config) and the shared JSON schemas.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { backupMaxAgeSeconds, deriveMonitoringSettings, thresholdValue } from '../../templates/monitoring/monitoring-settings.js';
import { EDGE_PORTS } from '../../plan/edge-service.js';
import { buildMonitoringModel, renderMonitoring } from '../../templates/monitoring/render-monitoring.js';
import { makeTempDir } from '../support/services.js';
import { AMTOOL, PROMTOOL, planFor, renderInto, repoRoot } from './monitoring-fixtures.js';

// The vendored copies (schemas/vendor/README.md says where each comes from): a clone has them.
const vendored = path.join(repoRoot, 'schemas/vendor');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function fileOf(files: { path: string; content: string }[], p: string): string {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`not rendered: ${p}`);
  return f.content;
}

function schemaValidator(file: string) {
  const schema = JSON.parse(readFileSync(path.join(vendored, file), 'utf8'));
  // Grafana's schema is draft-04, Alertmanager's draft-07: each needs its Ajv class.
  const ajv = String(schema.$schema).includes('draft-04') ? new Ajv04({ allErrors: true, strict: false }) : new Ajv.default({ allErrors: true, strict: false });
  const add = (addFormats as unknown as { default?: (a: unknown) => void }).default ?? (addFormats as unknown as (a: unknown) => void);
  add(ajv);
  return ajv.compile(schema);
}

describe('renderMonitoring', () => {
  it('renders the same files for the same plan (pure) and nothing when monitoring is off', () => {
    const plan = planFor('medium');
    expect(renderMonitoring(plan)).toEqual(renderMonitoring(planFor('medium')));
    expect(renderMonitoring(planFor('medium', { monitoring: { enabled: false } }))).toEqual([]);
    expect(renderMonitoring(plan).map((f) => f.path).sort()).toEqual([
      'alertmanager/alertmanager.yml',
      'blackbox/blackbox.yml',
      'grafana/dashboards/prodctl-api.json',
      'grafana/dashboards/prodctl-data-host.json',
      'grafana/dashboards/prodctl-queue.json',
      'grafana/dashboards/prodctl-slo.json',
      'grafana/provisioning/dashboards/prodctl.yml',
      'grafana/provisioning/datasources/prometheus.yml',
      'prometheus/prometheus.yml',
      'prometheus/rules/api.yml',
      'prometheus/rules/backup.yml',
      'prometheus/rules/host.yml',
      'prometheus/rules/platform.yml',
      'prometheus/rules/postgres.yml',
      'prometheus/rules/queue.yml',
      'prometheus/rules/redis.yml',
      'prometheus/slo/rules.yml',
    ]);
    // small turns Grafana off
    expect(renderMonitoring(planFor('small')).some((f) => f.path.startsWith('grafana/'))).toBe(false);
  });

  it('docker: scrapes replicas by service DNS name on their metrics ports', () => {
    const cfg = parse(fileOf(renderMonitoring(planFor('medium')), 'prometheus/prometheus.yml'));
    expect(cfg.global).toEqual({ scrape_interval: '15s', evaluation_interval: '15s', scrape_timeout: '10s', external_labels: { project: 'pdfsvc', environment: 'production' } });
    const sd = Object.fromEntries(cfg.scrape_configs.map((j: any) => [j.job_name, j.dns_sd_configs?.[0] ?? j.static_configs[0]]));
    expect(sd).toEqual({
      prometheus: { targets: ['localhost:9090'] },
      alertmanager: { names: ['alertmanager'], type: 'A', port: 9093, refresh_interval: '30s' },
      api: { names: ['api'], type: 'A', port: 9464, refresh_interval: '30s' },
      worker: { names: ['worker'], type: 'A', port: 9465, refresh_interval: '30s' },
      postgres: { names: ['postgres-exporter'], type: 'A', port: 9187, refresh_interval: '30s' },
      redis: { names: ['redis-exporter'], type: 'A', port: 9121, refresh_interval: '30s' },
      node: { names: ['node-exporter'], type: 'A', port: 9100, refresh_interval: '30s' },
      edge: { names: ['edge'], type: 'A', port: 8082, refresh_interval: '30s' },
      // No slo.probes.api_key_secret: only /readyz is probed (the status probe needs a key).
      probe_readyz: { targets: ['https://edge:8443/readyz'], labels: { __probe_exporter: 'blackbox-exporter:9115' } },
    });
    expect(cfg.alerting.alertmanagers[0].dns_sd_configs[0].names).toEqual(['alertmanager']);
    expect(cfg.rule_files).toEqual(['rules/api.yml', 'rules/queue.yml', 'rules/postgres.yml', 'rules/redis.yml', 'rules/host.yml', 'rules/backup.yml', 'rules/platform.yml', 'slo/rules.yml']);
  });

  it('swarm: per-task DNS records; haproxy edge: the plan\'s metrics port, where its exporter frontend binds', () => {
    const cfg = parse(fileOf(renderMonitoring(planFor('large', { edge: { kind: 'haproxy' } })), 'prometheus/prometheus.yml'));
    const api = cfg.scrape_configs.find((j: any) => j.job_name === 'api');
    expect(api.dns_sd_configs[0].names).toEqual(['tasks.api']);
    expect(cfg.scrape_configs.find((j: any) => j.job_name === 'edge').dns_sd_configs[0].port).toBe(EDGE_PORTS.metrics);
  });

  it('native: every job and the alertmanager come from file_sd target files the native target writes', () => {
    const cfg = parse(fileOf(renderMonitoring(planFor('medium', { target: 'native' })), 'prometheus/prometheus.yml'));
    for (const j of cfg.scrape_configs) expect(j.file_sd_configs).toEqual([{ files: [`targets/${j.job_name}.json`], refresh_interval: '30s' }]);
    expect(cfg.alerting.alertmanagers[0].file_sd_configs[0].files).toEqual(['targets/alertmanager.json']);
  });

  it('windows and for: durations scale with the scrape interval', () => {
    const medium = deriveMonitoringSettings(planFor('medium'));
    expect([medium.window, medium.forShort, medium.forMedium, medium.forLong]).toEqual(['5m', '1m', '2m', '5m']);
    const fast = deriveMonitoringSettings(planFor('medium', { monitoring: { scrape_interval: '1s', evaluation_interval: '1s' } }));
    expect([fast.window, fast.forShort, fast.forMedium, fast.forLong, fast.discoveryRefresh]).toEqual(['20s', '4s', '8s', '20s', '2s']);
    const half = renderMonitoring(planFor('medium', { monitoring: { scrape_interval: '1s', evaluation_interval: '500ms' } }));
    expect(parse(fileOf(half, 'prometheus/prometheus.yml')).global).toMatchObject({ scrape_interval: '1s', evaluation_interval: '500ms', scrape_timeout: '1s' });
    const slow = deriveMonitoringSettings(planFor('medium', { monitoring: { scrape_interval: '30s' } }));
    expect([slow.window, slow.forMedium]).toEqual(['10m', '4m']);
  });

  it('latency and error thresholds come from the profile', () => {
    const plan = planFor('medium', { loadtest: { thresholds: { 'http_req_duration{endpoint:upload}': ['p(95)<3000'], 'http_req_duration{endpoint:status}': ['p(99)<900', 'p(95)<250'], http_req_failed: ['rate<0.01'] } } });
    const rules = Object.fromEntries(buildMonitoringModel(plan).rules.map((r) => [r.alert, r.expr]));
    expect(rules.ApiUploadLatencyHigh).toBe('histogram_quantile(0.95, sum by (le) (rate(prodctl_http_request_duration_seconds_bucket{method="POST",route="/v1/files"}[5m]))) > 3');
    expect(rules.ApiStatusLatencyHigh).toMatch(/route="\/v1\/jobs\/:id"\}\[5m\]\)\)\) > 0\.25$/);
    expect(rules.ApiErrorRatioHigh).toMatch(/ > 0\.01$/);
    expect(rules.ApiReplicasDown).toBe('(sum(up{job="api"}) or vector(0)) < 2');
    expect(rules.WorkerReplicasDown).toBe('(sum(up{job="worker"}) or vector(0)) < 3');
    expect(rules.QueueBacklogGrowing).toBe('max(prodctl_queue_jobs{state="waiting"}) > 12 and max(delta(prodctl_queue_jobs{state="waiting"}[5m])) > 0');
    // defaults when the profile has no such thresholds
    expect(thresholdValue({}, 'http_req_duration{endpoint:upload}', 'p(95)', 5000)).toBe(5000);
  });

  it('backup age limit: the longest gap of the schedule plus a quarter (at least an hour)', () => {
    expect(backupMaxAgeSeconds('0 3 * * *')).toBe(86_400 + 21_600);
    expect(backupMaxAgeSeconds('0 */6 * * *')).toBe(6 * 3600 + 5400);
    expect(backupMaxAgeSeconds('0 * * * *')).toBe(3600 + 3600);
    expect(backupMaxAgeSeconds('0 3 * * 0')).toBe(604_800 + 151_200);
    expect(backupMaxAgeSeconds('30 2 * * 1-5')).toBe(3 * 86_400 + 18 * 3600);
  });

  it('alertmanager: receivers from the profile, each gets every alert; amtool and the schema accept it', async () => {
    const plan = planFor('medium', { monitoring: { alertmanager: { receivers: [{ name: 'ops', webhook_url: 'http://hooks.internal/a' }, { name: 'mail', email: 'ops@example.com' }], smtp: { smarthost: 'smtp.example.com:587', from: 'alerts@example.com' } } } });
    const text = fileOf(renderMonitoring(plan), 'alertmanager/alertmanager.yml');
    const cfg = parse(text);
    expect(cfg.receivers).toEqual([
      { name: 'ops', webhook_configs: [{ url: 'http://hooks.internal/a', send_resolved: true }] },
      { name: 'mail', email_configs: [{ to: 'ops@example.com', send_resolved: true }] },
    ]);
    expect(cfg.route.routes.map((r: any) => [r.receiver, r.continue])).toEqual([['ops', true], ['mail', true]]);
    expect(cfg.global).toEqual({ smtp_smarthost: 'smtp.example.com:587', smtp_from: 'alerts@example.com' });
    const validate = schemaValidator('prometheus-alertmanager.schema.json');
    expect(validate(cfg), JSON.stringify(validate.errors)).toBe(true);
    const dir = makeTempDir('prodctl-am-');
    dirs.push(dir);
    renderInto(plan, dir);
    const r = await execa(AMTOOL, ['check-config', path.join(dir, 'alertmanager/alertmanager.yml')], { reject: false, all: true });
    expect(r.exitCode, r.all).toBe(0);
  });

  it('promtool accepts prometheus.yml and its rule files for docker, swarm and native', async () => {
    for (const overrides of [{}, { target: 'swarm' }, { target: 'native' }]) {
      const dir = makeTempDir('prodctl-promcfg-');
      dirs.push(dir);
      renderInto(planFor('medium', overrides), dir);
      const r = await execa(PROMTOOL, ['check', 'config', path.join(dir, 'prometheus/prometheus.yml')], { reject: false, all: true });
      expect(r.exitCode, r.all).toBe(0);
      expect(r.all).toContain('SUCCESS: 8 rule files found');
    }
  });

  it('every alert carries severity, a summary and a runbook link', () => {
    for (const f of renderMonitoring(planFor('medium')).filter((x) => x.path.startsWith('prometheus/rules/'))) {
      for (const g of parse(f.content).groups) {
        for (const r of g.rules) {
          expect(['critical', 'warning']).toContain(r.labels.severity);
          expect(r.annotations.summary.length).toBeGreaterThan(5);
          expect(r.annotations.runbook_url).toBe(`docs/runbooks.md#${r.alert.toLowerCase()}`);
        }
      }
    }
  });
});

describe('Grafana dashboards', () => {
  const files = renderMonitoring(planFor('medium'));
  const dashboards = files.filter((f) => f.path.startsWith('grafana/dashboards/')).map((f) => JSON.parse(f.content));

  it('validate against the Grafana 5.x dashboard schema', () => {
    const validate = schemaValidator('grafana-dashboard-5.x.schema.json');
    for (const d of dashboards) expect(validate({ dashboard: d }), `${d.uid}: ${JSON.stringify(validate.errors)}`).toBe(true);
  });

  it('cover the golden signals, queue and workers, and Postgres/Redis/host, all on the provisioned datasource', () => {
    expect(dashboards.map((d) => d.title)).toEqual(['prodctl · API golden signals', 'prodctl · Queue and workers', 'prodctl · Postgres, Redis and host', 'prodctl · SLOs and error budget']);
    const slo = dashboards[3].panels.map((p: any) => p.title).join(' | ');
    for (const part of ['SLI over 30d', 'Error budget remaining', 'Burn rate']) expect(slo).toContain(part);
    const titles = dashboards[0].panels.map((p: any) => p.title).join(' | ');
    for (const signal of ['Traffic', 'Errors', 'Latency', 'Saturation']) expect(titles).toContain(signal);
    for (const d of dashboards) {
      const ids = d.panels.map((p: any) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.datasource.uid).toBe('prodctl-prometheus');
        expect(p.targets.length).toBeGreaterThan(0);
      }
    }
    const ds = parse(fileOf(files, 'grafana/provisioning/datasources/prometheus.yml'));
    expect(ds.datasources[0]).toMatchObject({ uid: 'prodctl-prometheus', url: 'http://prometheus:9090', type: 'prometheus' });
  });
});
