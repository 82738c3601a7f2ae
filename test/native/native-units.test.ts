// Pure parts of the native target with exact expectations: process specs from the plan, log
// line times and ids, the process-table command match, the edge port choice.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterSince, lineTime, matchLogIds } from '../../targets/native/log-lines.js';
import { pickEdgePort } from '../../targets/native/native-ports.js';
import { isStackCommand } from '../../targets/native/process-table.js';
import { apiSpec, edgeSpec, infraSpecs, monitoringSpecs, RANK, workerSpec, type SpecInput } from '../../targets/native/process-specs.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { hashSpec } from '../../targets/native/supervisor/types.js';
import type { NativeState } from '../../state/native-state.js';
import { loadExamplePlan } from '../edge/support.js';

const state: NativeState = {
  version: 1,
  ports: { postgres: 15432, redis: 16379, edge: 18080, edgeMetrics: 18405, prometheus: 19090, alertmanager: 19093, postgresExporter: 19187, redisExporter: 19121, nodeExporter: 19100 },
  release: { version: '0.1.0+abc', build: '/opt/build-1', at: '2026-01-01T00:00:00Z' },
  api: [{ id: 'api-1', port: 13001, metricsPort: 13101 }],
  workers: [{ id: 'worker-2', metricsPort: 13102 }],
  seq: 3,
};

async function input(): Promise<SpecInput> {
  const plan = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy']);
  const binaries = { postgres: '/usr/lib/postgresql/15/bin/postgres', redis: '/usr/bin/redis-server', edge: '/usr/sbin/haproxy', prometheus: '/usr/bin/prometheus', alertmanager: '/usr/bin/prometheus-alertmanager', 'postgres-exporter': '/usr/bin/prometheus-postgres-exporter', 'redis-exporter': '/usr/bin/prometheus-redis-exporter', 'node-exporter': '/usr/bin/prometheus-node-exporter' };
  return { plan, state, paths: nativePaths('/srv/pdf/.prodctl'), stateDir: '/srv/pdf/.prodctl', binaries, postgresUser: { uid: 105, gid: 110 }, configHashes: { redis: 'r1' }, pathEnv: '/usr/bin:/bin' };
}

describe('process specs', () => {
  it('runs the API from the release build with native hosts, ports, storage and secret files', async () => {
    const i = await input();
    const s = apiSpec(i, state.api[0]);
    expect(s.argv).toEqual([process.execPath, '/opt/build-1/dist/runtime/api/main.js']);
    expect(s.cwd).toBe('/opt/build-1');
    expect(s.order).toBe(RANK.api);
    expect(s.stopSignal).toBe('SIGTERM');
    expect(s.env).toMatchObject({
      HOST: '127.0.0.1',
      PORT: '13001',
      METRICS_PORT: '13101',
      PGHOST: '127.0.0.1',
      PGPORT: '15432',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: '16379',
      STORAGE_PATH: '/srv/pdf/.prodctl/native/data/uploads',
      PRODCTL_RELEASE: '0.1.0+abc',
      PRODCTL_NATIVE_STACK: '/srv/pdf/.prodctl',
      PGPASSWORD_FILE: path.join(i.plan.profileDir, 'example-secrets/postgres_password'),
      REDIS_PASSWORD_FILE: path.join(i.plan.profileDir, 'example-secrets/redis_password'),
      API_KEY_PEPPER_FILE: path.join(i.plan.profileDir, 'example-secrets/api_key_pepper'),
      PGUSER: 'pdfsvc',
      DRAIN_WINDOW_MS: '10000',
    });
    // No secret values, only paths.
    expect(Object.values(s.env).join('\n')).not.toContain('example-only');
  });

  it('a worker has no PORT; a new release changes the spec hash, the same one does not', async () => {
    const i = await input();
    const w = workerSpec(i, state.workers[0]);
    expect(w.env.PORT).toBeUndefined();
    expect(w.env.METRICS_PORT).toBe('13102');
    expect(hashSpec(workerSpec(i, state.workers[0]))).toBe(hashSpec(w));
    expect(hashSpec(workerSpec(i, state.workers[0], { ...state.release, version: 'v2', build: '/opt/build-2' }))).not.toBe(hashSpec(w));
  });

  it('Postgres runs as its account on loopback with the state folder paths, stopped with SIGINT', async () => {
    const [pg, redis, ...exporters] = infraSpecs(await input(), null);
    expect(pg.argv).toEqual([
      '/usr/lib/postgresql/15/bin/postgres', '-D', '/srv/pdf/.prodctl/native/data/postgres',
      '-c', 'data_directory=/srv/pdf/.prodctl/native/data/postgres', '-c', 'port=15432', '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=/srv/pdf/.prodctl/native/run', '-c', 'hba_file=/srv/pdf/.prodctl/native/data/postgres/pg_hba.conf',
      '-c', 'ident_file=/srv/pdf/.prodctl/native/data/postgres/pg_ident.conf', '-c', 'logging_collector=off',
    ]);
    expect([pg.uid, pg.gid, pg.stopSignal]).toEqual([105, 110, 'SIGINT']);
    expect(redis.argv).toEqual(['/usr/bin/redis-server', '/srv/pdf/.prodctl/native/config/redis/redis.conf']);
    expect(redis.env.PRODCTL_CONFIG_HASH).toBe('r1');
    expect(exporters.map((e) => e.id)).toEqual(['postgres-exporter', 'redis-exporter', 'node-exporter']);
    expect(exporters[0].env).toMatchObject({ DATA_SOURCE_URI: '127.0.0.1:15432/pdfsvc?sslmode=disable', DATA_SOURCE_USER: 'pdfsvc' });
  });

  it('edge and monitoring on loopback ports, ranked to stop before the API', async () => {
    const i = await input();
    expect(edgeSpec(i)!.argv).toEqual(['/usr/sbin/haproxy', '-db', '-f', '/srv/pdf/.prodctl/native/config/haproxy/haproxy.cfg']);
    const [prom, am] = monitoringSpecs(i);
    expect(prom.argv).toContain('--web.listen-address=127.0.0.1:19090');
    expect(prom.argv).toContain('--storage.tsdb.retention.time=7d');
    expect(am.argv).toContain('--web.listen-address=127.0.0.1:19093');
    expect(RANK.monitoring > RANK.edge && RANK.edge > RANK.api && RANK.api > RANK.worker && RANK.worker > RANK.exporter && RANK.exporter > RANK.postgres).toBe(true);
    expect(edgeSpec({ ...i, binaries: { ...i.binaries, edge: undefined } })).toBeNull();
  });
});

describe('log lines', () => {
  it('reads pino, ISO and logfmt times; lines without one keep the last', () => {
    expect(lineTime('{"level":30,"time":1764345600000,"msg":"x"}')).toBe(1764345600000);
    expect(lineTime('ts=2026-11-28T17:00:00.000Z caller=main.go level=info')).toBe(Date.parse('2026-11-28T17:00:00.000Z'));
    expect(lineTime('2026-11-28 17:00:00.000 UTC [1] LOG: x')).toBeNull();
    const lines = ['ts=2026-11-28T10:00:00Z a', 'no time', 'ts=2026-11-28T12:00:00Z b', 'continued'];
    expect(filterSince(lines, Date.parse('2026-11-28T11:00:00Z'))).toEqual(['ts=2026-11-28T12:00:00Z b', 'continued']);
  });

  it('maps a service to its replica ids, or one id to itself', () => {
    const ids = ['api-10', 'api-2', 'api-gateway', 'postgres', 'postgres-exporter', 'worker-3'];
    expect(matchLogIds(ids, 'api')).toEqual(['api-2', 'api-10']);
    expect(matchLogIds(ids, 'postgres')).toEqual(['postgres']);
    expect(matchLogIds(ids, 'api-10')).toEqual(['api-10']);
    expect(matchLogIds(ids, 'nope')).toEqual([]);
  });
});

describe('process table match', () => {
  it('knows the supervisor daemon and Postgres by their command line, nothing else', () => {
    const root = '/srv/pdf/.prodctl';
    expect(isStackCommand(['/usr/bin/node', '/opt/prodctl/dist/targets/native/supervisor/supervisor-main.js', root], root)).toBe(true);
    expect(isStackCommand(['/usr/lib/postgresql/15/bin/postgres', '-D', `${root}/native/data/postgres`, '-c', 'port=1'], root)).toBe(true);
    expect(isStackCommand(['tail', '-f', `${root}/native/logs/api-1.log`], root)).toBe(false);
    expect(isStackCommand(['/usr/bin/node', 'bin/prodctl.js', '--state-dir', root, 'down'], root)).toBe(false);
    expect(isStackCommand(['/usr/lib/postgresql/15/bin/postgres', '-D', '/other/native/data/postgres'], root)).toBe(false);
  });
});

describe('edge port', () => {
  it('never binds a privileged port natively: a free one instead, and says so', async () => {
    const plan = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy', 'edge.bind=127.0.0.1']);
    const r = await pickEdgePort(plan);
    expect(r.port).toBeGreaterThanOrEqual(1024);
    expect(r.note).toBe(`edge.http_port 80 is privileged; the native edge listens on ${r.port} instead (set edge.http_port ≥ 1024 to pin it)`);
  });
});
