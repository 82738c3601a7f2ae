// Redis and Postgres as rendered: redis.conf, postgresql.conf, the pools the app services are
// given in their environment, and where the data lives.
import { ENV } from '../../contract/env.js';
import { formatBytes } from '../../lib/output.js';
import { fail, pass, type Finding, type StaticCheck, type StaticInput } from '../types.js';
import { envNumber, pgBytes, pgMillis, redisBytes, servicesOf, where } from './helpers.js';

function redisSetting(i: StaticInput, key: string): { value?: string; where: string } {
  const rc = i.parsed.redisConf;
  return { value: rc?.settings.get(key), where: rc ? `${rc.path}: ${key}` : `redis.conf (not rendered): ${key}` };
}

function pgSetting(i: StaticInput, key: string): { value?: string; where: string } {
  const pc = i.parsed.postgresConf;
  return { value: pc?.settings.get(key), where: pc ? `${pc.path}: ${key}` : `postgresql.conf (not rendered): ${key}` };
}

/** A timeout set in postgresql.conf, or else on every app service's connection settings. */
function pgTimeout(i: StaticInput, key: string, envKey: string): Finding {
  const s = pgSetting(i, key);
  const ms = pgMillis(s.value);
  if (ms && ms > 0) return pass(`${s.where} = ${s.value}`);
  const apps = [...servicesOf(i, 'api'), ...servicesOf(i, 'worker')];
  const perApp = apps.map((a) => ({ a, v: envNumber(a, envKey) }));
  if (apps.length && perApp.every((x) => x.v && x.v > 0)) return pass(`${s.where} = ${s.value ?? 'unset'}; every app sets ${envKey} (${perApp[0].v} ms)`);
  return fail(`${s.where} = ${s.value ?? 'unset'}`, ...perApp.filter((x) => !x.v).map((x) => `${where(i, x.a)}: ${envKey} unset`));
}

/** The data directory must be a writable volume or bind mount, never tmpfs or the container layer. */
/**
 * The mount that holds dir: the deepest one at dir or above it. The postgres image's own advice is
 * PGDATA in a subfolder of the volume (/var/lib/postgresql/data/pgdata), so an ancestor counts.
 */
function coveringMount<M extends { target: string }>(mounts: M[], dir: string): M | undefined {
  const inside = (t: string) => dir === t || dir.startsWith(`${t === '/' ? '' : t}/`);
  return mounts.filter((x) => inside(x.target.replace(/\/+$/, '') || '/')).sort((a, b) => b.target.length - a.target.length)[0];
}

function persistentData(i: StaticInput, role: string, dataDir: string): Finding {
  const svcs = servicesOf(i, role);
  if (!svcs.length) return fail(`no ${role} service in ${i.parsed.servicesSource}`);
  const bad: string[] = [];
  const ok: string[] = [];
  for (const s of svcs) {
    const m = coveringMount(s.mounts, dataDir);
    const at = m && m.target.replace(/\/+$/, '') !== dataDir ? `${dataDir} (inside ${m.target})` : dataDir;
    if (!m) bad.push(`${where(i, s)}: nothing mounted at the data directory ${dataDir}`);
    else if (m.type === 'tmpfs') bad.push(`${where(i, s)}: ${at} is tmpfs (lost on restart)`);
    else if (m.readOnly) bad.push(`${where(i, s)}: ${at} is mounted read-only`);
    else ok.push(`${where(i, s)}: ${m.type} ${m.source} → ${at}`);
  }
  return bad.length ? fail(...bad) : pass(...ok);
}

export const datastoreChecks: StaticCheck[] = [
  {
    id: 'REL-006', title: 'Redis maxmemory-policy is noeviction', category: 'reliability', severity: 'critical', scope: 'static', section: 'services',
    rationale: 'BullMQ keeps jobs in Redis: any eviction policy silently deletes queued jobs and locks under memory pressure.',
    remediation: 'Set `redis.maxmemory_policy: noeviction`.',
    references: ['BullMQ docs: Going to production (maxmemory-policy)'],
    run: (i) => {
      const s = redisSetting(i, 'maxmemory-policy');
      return s.value === 'noeviction' ? pass(`${s.where} = noeviction`) : fail(`${s.where} = ${s.value ?? 'unset'}`);
    },
  },
  {
    id: 'DATA-001', title: 'Redis AOF on with everysec or always', category: 'data-safety', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Without the append-only file a Redis restart loses every job added since the last snapshot.',
    remediation: 'Set `redis.appendonly: true` and `redis.appendfsync: everysec`.',
    references: ['Redis docs: Persistence', 'BullMQ docs: Going to production'],
    run: (i) => {
      const a = redisSetting(i, 'appendonly');
      const f = redisSetting(i, 'appendfsync');
      if (a.value !== 'yes') return fail(`${a.where} = ${a.value ?? 'unset'}`);
      return ['everysec', 'always'].includes(f.value ?? 'everysec') ? pass(`${a.where} = yes`, `${f.where} = ${f.value ?? 'everysec (default)'}`) : fail(`${f.where} = ${f.value}`);
    },
  },
  {
    id: 'REL-007', title: 'Redis maxmemory set below its memory limit', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Redis without maxmemory grows until the OOM killer ends it; at the limit itself, fork for AOF rewrite has no room.',
    remediation: 'Set `redis.maxmemory` to about 75% of `redis.resources.memory`.',
    references: ['Redis docs: Memory optimization', 'Redis docs: Key eviction'],
    run: (i) => {
      const s = redisSetting(i, 'maxmemory');
      const bytes = redisBytes(s.value);
      if (!bytes) return fail(`${s.where} = ${s.value ?? 'unset'}`);
      const svc = servicesOf(i, 'redis')[0];
      if (!svc?.memoryBytes) return fail(`${s.where} = ${s.value}`, 'redis service has no memory limit to compare with');
      const ev = `${s.where} = ${s.value} (${formatBytes(bytes)}); ${where(i, svc)} memory limit ${formatBytes(svc.memoryBytes)}`;
      return bytes < svc.memoryBytes ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'REL-008', title: 'Pools fit Postgres max_connections', category: 'reliability', severity: 'critical', scope: 'static', section: 'services',
    rationale: 'When replicas × pool size plus the reserve exceed max_connections, scale-out or a deploy (old and new side by side) fails with "too many clients".',
    remediation: 'Lower `postgres.pool_size`, or raise `postgres.max_connections` (and its memory).',
    references: ['node-postgres docs: Pooling', 'PostgreSQL docs: max_connections'],
    run: (i) => {
      const s = pgSetting(i, 'max_connections');
      const max = Number(s.value);
      if (!Number.isFinite(max) || !s.value) return fail(`${s.where} = ${s.value ?? 'unset'}`);
      const apps = [...servicesOf(i, 'api'), ...servicesOf(i, 'worker')];
      const missing = apps.filter((a) => envNumber(a, ENV.pgPoolMax) === null);
      if (missing.length) return fail(...missing.map((a) => `${where(i, a)}: ${ENV.pgPoolMax} unset (pool size unbounded by config)`));
      const reserve = i.plan.profile.postgres.reserved_connections;
      const parts = apps.map((a) => `${a.name} ${a.replicas}×${envNumber(a, ENV.pgPoolMax)}`);
      const sum = apps.reduce((n, a) => n + a.replicas * (envNumber(a, ENV.pgPoolMax) ?? 0), 0);
      const ev = `${parts.join(' + ')} = ${sum}, + reserve ${reserve} = ${sum + reserve} vs ${s.where} = ${max}`;
      return sum + reserve <= max ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'REL-009', title: 'Postgres statement_timeout set', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'One runaway query holds a pool connection and locks forever; a statement timeout bounds it.',
    remediation: 'Set `postgres.statement_timeout` (e.g. 30s).',
    references: ['PostgreSQL docs: statement_timeout'],
    run: (i) => pgTimeout(i, 'statement_timeout', ENV.pgStatementTimeoutMs),
  },
  {
    id: 'REL-010', title: 'Postgres idle_in_transaction_session_timeout set', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'A client that opened a transaction and hung keeps its locks and blocks vacuum until the session dies.',
    remediation: 'Set `postgres.idle_in_transaction_session_timeout` (e.g. 60s).',
    references: ['PostgreSQL docs: idle_in_transaction_session_timeout'],
    run: (i) => pgTimeout(i, 'idle_in_transaction_session_timeout', ENV.pgIdleInTxTimeoutMs),
  },
  {
    id: 'PERF-002', title: 'Postgres shared_buffers sized to its memory', category: 'performance', severity: 'medium', scope: 'static', section: 'services',
    rationale: 'The default 128MB wastes a dedicated database\'s memory; more than ~40% of the limit leaves no room for work_mem and the OS cache.',
    remediation: 'Leave `postgres.tuning.shared_buffers` unset (derived as 25% of memory) or set it between 15% and 40%.',
    references: ['PostgreSQL docs: Resource Consumption (shared_buffers)'],
    run: (i) => {
      const s = pgSetting(i, 'shared_buffers');
      const bytes = pgBytes(s.value);
      const svc = servicesOf(i, 'postgres')[0];
      if (!bytes) return fail(`${s.where} = ${s.value ?? 'unset (128MB default)'}`);
      if (!svc?.memoryBytes) return fail(`${s.where} = ${s.value}`, 'postgres service has no memory limit to compare with');
      const ratio = bytes / svc.memoryBytes;
      const ev = `${s.where} = ${s.value} = ${(ratio * 100).toFixed(0)}% of ${where(i, svc)} memory limit ${formatBytes(svc.memoryBytes)}`;
      return ratio >= 0.15 && ratio <= 0.4 ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'DATA-002', title: 'Postgres data on a persistent volume', category: 'data-safety', severity: 'critical', scope: 'static', section: 'infrastructure',
    rationale: 'Data inside the container layer or on tmpfs is gone with the container.',
    remediation: 'Mount a named volume at the Postgres data directory.',
    references: ['Docker docs: Volumes', 'postgres image docs: PGDATA'],
    run: (i) => persistentData(i, 'postgres', servicesOf(i, 'postgres')[0]?.environment.PGDATA || '/var/lib/postgresql/data'),
  },
  {
    id: 'DATA-003', title: 'Redis data on a persistent volume', category: 'data-safety', severity: 'high', scope: 'static', section: 'infrastructure',
    rationale: 'AOF and RDB files on the container layer are lost when the container is replaced: every queued job with them.',
    remediation: 'Mount a named volume at Redis\' `dir` (/data).',
    references: ['Docker docs: Volumes', 'Redis docs: Persistence'],
    run: (i) => persistentData(i, 'redis', i.parsed.redisConf?.settings.get('dir') ?? '/data'),
  },
];
