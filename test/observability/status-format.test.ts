// The pure parts of `prodctl status`: queries, mapping results, the backup textfile and the sections.
import { describe, expect, it } from 'vitest';
import { formatSections, renderPlain } from '../../cli/status-view/format-snapshot.js';
import { applyQueryResults, buildStatusQueries, emptySnapshot, parseBackupTextfile } from '../../cli/status-view/snapshot.js';

const base = () => emptySnapshot('pdfsvc', 'native', 'http://127.0.0.1:9090', 'http://127.0.0.1:9093');

describe('status snapshot', () => {
  it('queries every number from contract metrics and exporter metrics', () => {
    const q = buildStatusQueries('4s');
    expect(q['api.p95UploadSeconds']).toBe('histogram_quantile(0.95, sum by (le) (rate(prodctl_http_request_duration_seconds_bucket{method="POST",route="/v1/files"}[4s])))');
    expect(q['queue.waiting']).toBe('max(prodctl_queue_jobs{state="waiting"})');
    expect(q['redis.maxBytes']).toBe('max(redis_memory_max_bytes)');
    expect(Object.keys(q)).toHaveLength(20);
  });

  it('maps results into the snapshot: NaN (no traffic) as null, `.up` as a boolean', () => {
    const s = base();
    applyQueryResults(s, { 'api.rps': 12.5, 'api.p95Seconds': Number.NaN, 'redis.up': 0, 'postgres.up': 1, 'queue.waiting': null });
    expect(s.api.rps).toBe(12.5);
    expect(s.api.p95Seconds).toBeNull();
    expect(s.redis.up).toBe(false);
    expect(s.postgres.up).toBe(true);
    expect(s.queue.waiting).toBeNull();
  });

  it('reads the backup textfile as `prodctl backup` writes it', () => {
    const text = '# HELP prodctl_backup_last_success_timestamp_seconds x\n# TYPE prodctl_backup_last_success_timestamp_seconds gauge\nprodctl_backup_last_success_timestamp_seconds 1764300000\nprodctl_backup_last_verify_ok 1\nprodctl_backup_last_verify_timestamp_seconds 1764300600\n';
    expect(parseBackupTextfile(text, 1764303600_000)).toEqual({ lastSuccessAt: '2025-11-28T03:20:00.000Z', ageSeconds: 3600, verifyOk: true, verifiedAt: '2025-11-28T03:30:00.000Z' });
    expect(parseBackupTextfile('', 0)).toEqual({ lastSuccessAt: null, ageSeconds: null, verifyOk: null, verifiedAt: null });
  });
});

describe('status sections', () => {
  it('services: a table of replicas, health, ports, uptime, restarts and the queue depth', () => {
    const s = base();
    s.services = [
      { name: 'api', desired: 2, replicas: [{ id: 'api-4', state: 'running', healthy: true, address: '127.0.0.1:41001', uptimeMs: 125_000, restarts: 0 }, { id: 'api-5', state: 'running', healthy: true, address: '127.0.0.1:41003', uptimeMs: 65_000, restarts: 1 }] },
      { name: 'worker', desired: 2, replicas: [{ id: 'worker-2', state: 'running', healthy: false, address: '127.0.0.1:42001', uptimeMs: 3_000, restarts: 2 }, { id: 'worker-3', state: 'crashed', healthy: false, restarts: 5 }] },
      { name: 'edge', desired: 1, replicas: [{ id: 'edge', state: 'running', healthy: null, address: ':8080', uptimeMs: 7_200_000, restarts: 0 }] },
      { name: 'postgres', desired: 1, replicas: [] },
      { name: 'grafana', desired: 0, skipped: 'not packaged', replicas: [] },
    ];
    s.prometheus.reachable = true;
    applyQueryResults(s, { 'queue.waiting': 12, 'queue.active': 2 });
    expect(renderPlain(s, (t) => t).split('\n').slice(2, 9)).toEqual([
      'Services (native)',
      '  service   replicas  health                  ports                  uptime  restarts  queue',
      '  api       2/2       healthy                 127.0.0.1:41001,41003  1m5s    1',
      '  worker    1/2       1 unhealthy, 1 crashed  127.0.0.1:42001        3.0s    7         12 waiting, 2 active',
      '  edge      1/1       1 unprobed              :8080                  2h      0',
      '  postgres  0/1       down                    —                      —       0',
      '  grafana   skipped (not packaged)',
    ]);
  });


  it('says what it could not reach instead of failing', () => {
    const s = base();
    s.servicesError = 'the native target is not running';
    s.prometheus.error = 'ECONNREFUSED';
    s.alerts.error = 'timed out';
    const text = renderPlain(s, (t) => t);
    expect(text).toContain('target  unavailable: the native target is not running');
    expect(text).toContain('metrics  Prometheus unreachable at http://127.0.0.1:9090 (ECONNREFUSED)');
    expect(text).toContain('alertmanager  unreachable at http://127.0.0.1:9093 (timed out)');
    expect(text).toContain('last  no backup recorded on this host');
    expect(text).not.toContain('Queue and workers');
  });

  it('tones: unhealthy replicas, DOWN datastores, critical alerts and a failed verify are bad', () => {
    const s = base();
    s.services = [
      { name: 'api', desired: 2, replicas: [{ id: 'api-1', state: 'running', healthy: true, restarts: 0 }, { id: 'api-2', state: 'crashed', healthy: false, restarts: 3 }] },
      { name: 'worker', desired: 1, replicas: [{ id: 'worker-1', state: 'running', healthy: true, restarts: 0 }] },
      { name: 'grafana', desired: 0, skipped: 'no binary', replicas: [] },
    ];
    s.prometheus.reachable = true;
    applyQueryResults(s, { 'api.rps': 3, 'api.errorRatio': 0.05, 'redis.up': 0, 'postgres.connections': 90, 'postgres.maxConnections': 100, 'postgres.up': 1 });
    s.alerts.reachable = true;
    s.alerts.firing = [{ name: 'RedisDown', severity: 'critical', since: '2026-11-28T16:00:00Z', summary: 'Redis does not answer' }];
    s.backup = { source: '/x', lastSuccessAt: '2026-11-28T03:00:00.000Z', ageSeconds: 46800, verifyOk: false, verifiedAt: null };
    const rows = Object.fromEntries(formatSections(s).flatMap((sec) => sec.rows.map((r) => [r.label, r])));
    expect(rows.api).toEqual({ label: 'api', value: '1/2       1 crashed  —      —       3', tone: 'warn' });
    expect(rows.worker.tone).toBe('ok');
    expect(rows.grafana).toEqual({ label: 'grafana', value: 'skipped (no binary)', tone: 'dim' });
    expect(rows.errors).toEqual({ label: 'errors', value: '5.00 %', tone: 'bad' });
    expect(rows.redis).toEqual({ label: 'redis', value: 'DOWN', tone: 'bad' });
    expect(rows.postgres).toEqual({ label: 'postgres', value: '90/100 connections', tone: 'warn' });
    expect(rows.RedisDown).toEqual({ label: 'RedisDown', value: 'critical  Redis does not answer', tone: 'bad' });
    expect(rows.verify).toEqual({ label: 'verify', value: 'FAILED', tone: 'bad' });
    expect(rows.last.value).toBe('2026-11-28T03:00:00.000Z (13h ago)');
  });
});
