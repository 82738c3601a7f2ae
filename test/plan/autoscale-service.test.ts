// The autoscaler as a planned service, with exact expectations: the plan (pure), the native
// process spec it becomes, its Prometheus job, and where the engine targets leave it out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListen } from '../../cli/autoscale-listener.js';
import { autoscalerOmittedReason } from '../../plan/autoscale-service.js';
import { buildComposeDocument } from '../../templates/compose/render-compose.js';
import { listScrapeJobs } from '../../templates/monitoring/scrape-jobs.js';
import { autoscalerSpec, RANK, type SpecInput } from '../../targets/native/process-specs.js';
import { writeScrapeTargets } from '../../targets/native/native-config.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import type { NativeState } from '../../state/native-state.js';
import { planFor } from '../observability/monitoring-fixtures.js';

const native = (autoscale: Record<string, unknown> = {}) => planFor('medium', { target: 'native', autoscale });

describe('the autoscaler service in the plan', () => {
  it('is one replica of `prodctl autoscale run` with its health check and metrics port on native', () => {
    const s = native().services.find((x) => x.name === 'autoscaler')!;
    expect({ role: s.role, command: s.command, replicas: s.replicas, ports: s.ports, healthcheck: s.healthcheck, dependsOn: s.dependsOn, user: s.user, networks: s.networks }).toEqual({
      role: 'control',
      command: ['prodctl', 'autoscale', 'run'],
      replicas: 1,
      ports: [{ name: 'metrics', port: 9466 }],
      healthcheck: { test: ['CMD', 'wget', '-q', '-O', '/dev/null', 'http://127.0.0.1:9466/healthz'], httpPath: '/healthz', httpPort: 9466, intervalSeconds: 10, timeoutSeconds: 3, retries: 3, startPeriodSeconds: 10 },
      dependsOn: ['redis', 'worker'],
      user: '10001:10001',
      networks: ['backend'],
    });
    expect(native({ metrics_port: 9500 }).services.find((x) => x.name === 'autoscaler')!.ports).toEqual([{ name: 'metrics', port: 9500 }]);
  });

  it('is absent when autoscale is off, and on the engine targets (which say why)', () => {
    expect(native({ enabled: false }).services.map((s) => s.name)).not.toContain('autoscaler');
    expect(native({ service: false }).services.map((s) => s.name)).not.toContain('autoscaler');
    expect(autoscalerOmittedReason(planFor('medium', { autoscale: { service: false } }).profile)).toBeNull();
    const docker = planFor('medium');
    expect(docker.target).toBe('docker');
    expect(docker.services.map((s) => s.name)).not.toContain('autoscaler');
    expect(autoscalerOmittedReason(docker.profile)).toBe(
      'autoscale.enabled, but the docker target does not run the autoscaler as a service yet (it would need the engine socket): run `prodctl autoscale run` next to the stack (docs/autoscale.md)',
    );
    expect(autoscalerOmittedReason(native().profile)).toBeNull();
    expect(autoscalerOmittedReason(native().profile, 'docker')).toMatch(/^autoscale.enabled, but the docker target/);
    expect(autoscalerOmittedReason(native({ enabled: false }).profile, 'docker')).toBeNull();
  });

  it('is never a compose service, even in a native plan', () => {
    expect(Object.keys(buildComposeDocument(native()).services as object)).not.toContain('autoscaler');
  });

  it('is a Prometheus job only where it is planned', () => {
    expect(listScrapeJobs(native()).find((j) => j.job === 'autoscaler')).toEqual({ job: 'autoscaler', service: 'autoscaler', port: 9466, metricsPath: '/metrics' });
    expect(listScrapeJobs(native({ enabled: false })).map((j) => j.job)).not.toContain('autoscaler');
    expect(listScrapeJobs(planFor('medium')).map((j) => j.job)).not.toContain('autoscaler');
  });
});

describe('the autoscaler as a native process', () => {
  const paths = nativePaths('/srv/st');
  const input = (plan = native(), port = 41234): SpecInput => ({
    plan,
    state: { version: 1, ports: { postgres: 1, redis: 2, edge: 3, edgeMetrics: 4, prometheus: 5, alertmanager: 6, postgresExporter: 7, redisExporter: 8, nodeExporter: 9, ...(port ? { autoscaler: port } : {}) }, release: { version: 'v1', build: '/b', at: '' }, api: [], workers: [], seq: 1 } as NativeState,
    paths,
    stateDir: '/srv/st',
    binaries: {},
    postgresUser: null,
    configHashes: {},
    pathEnv: '/usr/bin',
    prodctl: ['/node', '/p/bin/prodctl.js', '-f', '/p/prodctl.yml', '--state-dir', '/srv/st'],
  });

  it('runs this prodctl with its profile, listening on the port the state gave it, stopped first', () => {
    const spec = autoscalerSpec(input())!;
    expect(spec.argv).toEqual(['/node', '/p/bin/prodctl.js', '-f', '/p/prodctl.yml', '--state-dir', '/srv/st', 'autoscale', 'run', '--listen', '127.0.0.1:41234']);
    expect({ id: spec.id, service: spec.service, cwd: spec.cwd, stopSignal: spec.stopSignal, order: spec.order }).toEqual({ id: 'autoscaler', service: 'autoscaler', cwd: paths.root, stopSignal: 'SIGTERM', order: RANK.control });
    expect(spec.order).toBeGreaterThan(Math.max(...Object.values(RANK).filter((r) => r !== RANK.control)));
    expect(spec.stopTimeoutMs).toBe((native().services.find((s) => s.name === 'worker')!.stopGracePeriodSeconds + 5) * 1000);
    expect(Object.keys(spec.env).sort()).toEqual(['PATH', 'PRODCTL_AUTOSCALER_CONFIG', 'PRODCTL_NATIVE_STACK']);
  });

  it('restarts on changed autoscale settings only', () => {
    const hash = (plan = native()) => autoscalerSpec(input(plan))!.env.PRODCTL_AUTOSCALER_CONFIG;
    expect(hash()).toMatch(/^[0-9a-f]{16}$/);
    expect(hash(planFor('medium', { target: 'native', workers: { concurrency: 2 } }))).toBe(hash());
    expect(hash(native({ scale_down_window: '20s' }))).not.toBe(hash());
  });

  it('is no process without the service, a port or the prodctl to run', () => {
    expect(autoscalerSpec(input(native({ enabled: false })))).toBeNull();
    expect(autoscalerSpec(input(native(), 0))).toBeNull();
    expect(autoscalerSpec({ ...input(), prodctl: undefined })).toBeNull();
  });

  it('parses --listen', () => {
    expect(parseListen('127.0.0.1:9466')).toEqual({ host: '127.0.0.1', port: 9466 });
    expect(parseListen('9466')).toEqual({ host: '127.0.0.1', port: 9466 });
    expect(() => parseListen('x:0')).toThrow("--listen 'x:0' is not HOST:PORT");
    expect(() => parseListen('host:')).toThrow(/not HOST:PORT/);
  });

  it('is the target of the native Prometheus job `autoscaler` (file_sd)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-as-sd-'));
    try {
      const p = nativePaths(dir);
      const read = () => JSON.parse(readFileSync(path.join(p.configDir, 'prometheus', 'targets', 'autoscaler.json'), 'utf8'));
      const plan = native();
      writeScrapeTargets(plan, input(plan).state, p, new Set());
      expect(read()).toEqual([{ targets: ['127.0.0.1:41234'], labels: { project: plan.project } }]);
      writeScrapeTargets(plan, input(plan, 0).state, p, new Set());
      expect(read()).toEqual([{ targets: [], labels: { project: plan.project } }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
