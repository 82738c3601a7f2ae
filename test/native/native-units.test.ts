// Pure parts of the native target with exact expectations: process specs from the plan, log
// line times and ids, the process-table command match, the edge port choice.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { filterSince, lineTime, matchLogIds } from '../../targets/native/log-lines.js';
import { nativePostgresConfPath, writeNativeConfig } from '../../targets/native/native-config.js';
import { endpointsOf } from '../../targets/native/native-edge.js';
import { newWorker, pickEdgePort, planNativeState, portsInState } from '../../targets/native/native-ports.js';
import { getFreePort, isPortFree, pickServicePort, readEphemeralRange, SERVICE_PORT_FLOOR } from '../../lib/net.js';
import { blockingAncestor } from '../../targets/native/postgres-bootstrap.js';
import { isStackCommand } from '../../targets/native/process-table.js';
import { apiSpec, edgeSpec, infraSpecs, monitoringSpecs, RANK, workerSpec, type SpecInput } from '../../targets/native/process-specs.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { hashSpec } from '../../targets/native/supervisor/types.js';
import type { NativeState } from '../../state/native-state.js';
import { renderPostgresqlConf } from '../../templates/postgres/render-postgresql-conf.js';
import { renderRedisConf } from '../../templates/redis/render-redis-conf.js';
import { createLogger } from '../../lib/log.js';
import { loadExamplePlan } from '../edge/support.js';
import { makeTempDir } from '../support/services.js';

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
    const i = await input();
    const [pg, redis, ...exporters] = infraSpecs(i, nativePostgresConfPath(i.paths));
    expect(pg.argv).toEqual([
      '/usr/lib/postgresql/15/bin/postgres', '-D', '/srv/pdf/.prodctl/native/data/postgres',
      '-c', 'config_file=/srv/pdf/.prodctl/native/config/postgres/postgresql.conf',
      '-c', 'data_directory=/srv/pdf/.prodctl/native/data/postgres', '-c', 'port=15432', '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=/srv/pdf/.prodctl/native/run/postgres', '-c', 'hba_file=/srv/pdf/.prodctl/native/config/postgres/pg_hba.conf',
      '-c', 'ident_file=/srv/pdf/.prodctl/native/config/postgres/pg_ident.conf',
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

describe('native config files', () => {
  it('postgresql.conf and redis.conf are the rendered files byte for byte; the native layer adds only address, paths and password', async () => {
    const { plan } = await input();
    const dir = makeTempDir('prodctl-native-conf-');
    const paths = nativePaths(dir);
    const hashes = writeNativeConfig({ plan, state, paths, redisPassword: 'not-a-real-password', skipped: new Set() });
    expect(readFileSync(nativePostgresConfPath(paths), 'utf8')).toBe(renderPostgresqlConf(plan).content);
    expect(readFileSync(path.join(paths.configDir, 'redis/rendered.conf'), 'utf8')).toBe(renderRedisConf(plan).content);
    const redis = path.join(paths.configDir, 'redis/redis.conf');
    expect(readFileSync(redis, 'utf8').split('\n')).toEqual([
      '# Native Redis: the rendered redis.conf, then the native address, paths and password.',
      `include ${path.join(paths.configDir, 'redis/rendered.conf')}`,
      'port 16379',
      'bind 127.0.0.1',
      `dir ${path.join(paths.dataDir, 'redis')}`,
      'pidfile ""',
      'requirepass not-a-real-password',
      '',
    ]);
    expect(statSync(redis).mode & 0o777).toBe(0o600);
    // A profile change that reaches a rendered file changes that component's hash (a restart), only that one.
    const bigger = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy', 'postgres.max_connections=80']);
    const again = writeNativeConfig({ plan: bigger, state, paths, redisPassword: 'not-a-real-password', skipped: new Set() });
    expect(again.postgres).not.toBe(hashes.postgres);
    expect(again.redis).toBe(hashes.redis);
    expect(readFileSync(nativePostgresConfPath(paths), 'utf8')).toMatch(/^max_connections = 80\b/m);
  });

  it('endpoints.json names the uploads folder the API and workers write (what backup reads)', async () => {
    const { plan, paths } = await input();
    const env = { ctx: { plan, renderedDir: '/x', stateDir: '/srv/pdf/.prodctl', log: createLogger({ quiet: true }), yes: false }, plan, paths, bins: { found: {}, skipped: {} }, skipped: new Set<string>() };
    const e = endpointsOf(env, state);
    expect(e.uploadsDir).toBe('/srv/pdf/.prodctl/native/data/uploads');
    expect(e.uploadsDir).toBe(apiSpec(await input(), state.api[0]).env.STORAGE_PATH);
    expect(e.edge).toEqual({ host: '127.0.0.1', port: 18080, socket: '/srv/pdf/.prodctl/native/run/haproxy.sock' });
  });
});

describe('Postgres account reach', () => {
  it('names the first folder another account cannot pass through, or none', () => {
    const top = makeTempDir('prodctl-reach-');
    const deep = path.join(top, 'a', 'b');
    mkdirSync(deep, { recursive: true, mode: 0o755 });
    chmodSync(top, 0o700);
    const other = { uid: 54321, gids: [54321] };
    expect(blockingAncestor(deep, other)).toBe(top);
    // the owner of the folder passes; so does a member of its group when the group may search
    expect(blockingAncestor(deep, { uid: statSync(top).uid, gids: [] })).toBeNull();
    chmodSync(top, 0o710);
    expect(blockingAncestor(deep, { uid: 54321, gids: [statSync(top).gid] })).toBeNull();
    expect(blockingAncestor(deep, other)).toBe(top);
    chmodSync(top, 0o711);
    expect(blockingAncestor(deep, other)).toBeNull();
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

describe('service ports', () => {
  it('reads the kernel ephemeral range, and null where there is none', () => {
    const dir = makeTempDir('prodctl-ports-');
    writeFileSync(path.join(dir, 'range'), '32768\t60999\n');
    expect(readEphemeralRange(path.join(dir, 'range'))).toEqual([32768, 60999]);
    writeFileSync(path.join(dir, 'bad'), 'sixty\n');
    expect(readEphemeralRange(path.join(dir, 'bad'))).toBeNull();
    expect(readEphemeralRange(path.join(dir, 'missing'))).toBeNull();
  });

  it('picks below the ephemeral range, never a port it was told to avoid, and one that can be bound', async () => {
    const avoid = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const port = await pickServicePort('127.0.0.1', avoid, [32768, 60999]);
      expect(port).toBeGreaterThanOrEqual(SERVICE_PORT_FLOOR);
      expect(port).toBeLessThan(32768);
      expect(avoid.has(port)).toBe(false);
      expect(await isPortFree(port)).toBe(true);
      avoid.add(port);
    }
  });

  it('with no room below the range, falls back to the kernel pick', async () => {
    const port = await pickServicePort('127.0.0.1', new Set(), [SERVICE_PORT_FLOOR + 10, 65535]);
    expect(await isPortFree(port)).toBe(true);
    const held = await getFreePort();
    expect(await pickServicePort('127.0.0.1', new Set([held]), null)).not.toBe(held);
  });

  it("a new stack's ports are all distinct and below the ephemeral range; a rollout's new worker avoids the ones it has not saved yet", async () => {
    const range = readEphemeralRange();
    const plan = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy', 'edge.bind=127.0.0.1', 'edge.http_port=8080']);
    const { state } = await planNativeState(null, plan, { version: 'v1', build: '/tmp/build', at: new Date(0).toISOString() });
    const ports = [...Object.entries(state.ports).filter(([k]) => k !== 'edge').map(([, v]) => v), ...state.api.flatMap((a) => [a.port, a.metricsPort]), ...state.workers.map((w) => w.metricsPort)];
    expect(new Set(ports).size).toBe(ports.length);
    if (range) for (const p of ports) expect(p).toBeLessThan(range[0]);
    const pending = [state.workers[0].metricsPort];
    const next = await newWorker({ ...state, workers: [] }, pending);
    expect(pending).not.toContain(next.metricsPort);
    expect(portsInState(state).has(next.metricsPort)).toBe(false);
  });
});
