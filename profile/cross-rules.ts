// Rules that span several fields. Each returns problems as (key path, text); the loader turns
// them into `file:line:col` lines pointing at the value the user would change.
import { parseSize } from './units.js';
import type { Profile, Resources } from './schema.js';
import type { KeyPath } from './source-doc.js';

export interface CrossProblem {
  path: KeyPath;
  message: string;
  /** Other values that take part in the rule: the error points at the first one the user wrote. */
  alternatives?: KeyPath[];
}

/** Memory a worker process needs besides its jobs: Node's heap, BullMQ, buffers (measured ~90 MiB RSS idle). */
export const WORKER_BASE_MEMORY = 128 * 1024 ** 2;

/** Fixed sizes of the small helper services the plan adds (exporters, Alertmanager, Grafana). */
export const HELPER_RESOURCES = {
  exporter: { cpus: 0.25, memory: '64M', pids: 64 },
  alertmanager: { cpus: 0.25, memory: '128M', pids: 64 },
  grafana: { cpus: 0.5, memory: '256M', pids: 128 },
} as const satisfies Record<string, Resources>;

const MiB = 1024 ** 2;
const fmtMiB = (b: number) => `${Math.round(b / MiB)}M`;

export function checkCrossRules(p: Profile): CrossProblem[] {
  return [...checkPool(p), ...checkAutoscale(p), ...checkRedis(p), ...checkWorkerMemory(p), ...checkHostFit(p), ...checkSecretRefs(p), ...checkPostgresRoles(p), ...checkTarget(p), ...checkStorage(p), ...checkWalArchive(p), ...checkTlsFiles(p)];
}

function checkPool(p: Profile): CrossProblem[] {
  const replicas = p.api.replicas + p.workers.replicas;
  const need = p.postgres.pool_size * replicas + p.postgres.reserved_connections;
  if (need <= p.postgres.max_connections) return [];
  return [
    {
      path: ['postgres', 'max_connections'],
      alternatives: [['postgres', 'pool_size'], ['api', 'replicas'], ['workers', 'replicas'], ['postgres', 'reserved_connections']],
      // Worded to read right at any of the values the error may point at (the one the user wrote).
      message: `expected pool_size × (api + worker replicas) + reserved_connections ≤ max_connections ${p.postgres.max_connections}, found ${p.postgres.pool_size} × (${p.api.replicas} + ${p.workers.replicas}) + ${p.postgres.reserved_connections} = ${need}`,
    },
  ];
}

// min ≤ max, and the autoscaler may run up to autoscale.max workers: their pools must fit too.
// (Only when the fixed pool fits: one problem per cause.)
function checkAutoscale(p: Profile): CrossProblem[] {
  if (!p.autoscale?.enabled) return [];
  if (p.autoscale.min > p.autoscale.max) {
    return [{ path: ['autoscale', 'max'], alternatives: [['autoscale', 'min']], message: `expected autoscale.min ≤ autoscale.max, found ${p.autoscale.min} > ${p.autoscale.max}` }];
  }
  if (checkPool(p).length > 0) return [];
  const need = p.postgres.pool_size * (p.api.replicas + p.autoscale.max) + p.postgres.reserved_connections;
  if (need <= p.postgres.max_connections) return [];
  return [
    {
      path: ['autoscale', 'max'],
      alternatives: [['postgres', 'max_connections'], ['postgres', 'pool_size']],
      message: `expected pool_size × (api replicas + autoscale.max) + reserved_connections ≤ max_connections ${p.postgres.max_connections}, found ${p.postgres.pool_size} × (${p.api.replicas} + ${p.autoscale.max}) + ${p.postgres.reserved_connections} = ${need}`,
    },
  ];
}

function checkRedis(p: Profile): CrossProblem[] {
  const max = parseSize(p.redis.maxmemory);
  const limit = parseSize(p.redis.resources.memory);
  if (max < limit) return [];
  return [{ path: ['redis', 'maxmemory'], message: `expected less than redis.resources.memory ${p.redis.resources.memory} (leave room for the AOF rewrite and buffers), found ${JSON.stringify(p.redis.maxmemory)}`, alternatives: [['redis', 'resources', 'memory']] }];
}

function checkWorkerMemory(p: Profile): CrossProblem[] {
  const need = p.workers.concurrency * parseSize(p.workers.per_job_memory) + WORKER_BASE_MEMORY;
  const have = parseSize(p.workers.resources.memory);
  if (have >= need) return [];
  return [
    {
      path: ['workers', 'resources', 'memory'],
      alternatives: [['workers', 'concurrency'], ['workers', 'per_job_memory']],
      message: `expected concurrency × per_job_memory + ${fmtMiB(WORKER_BASE_MEMORY)} headroom ≤ workers.resources.memory ${p.workers.resources.memory}, found ${p.workers.concurrency} × ${p.workers.per_job_memory} + ${fmtMiB(WORKER_BASE_MEMORY)} = ${fmtMiB(need)}`,
    },
  ];
}

/** Every service's limits and replicas, as the plan will run them. */
export function sizedServices(p: Profile): { path: KeyPath; name: string; res: Resources; replicas: number }[] {
  const out: { path: KeyPath; name: string; res: Resources; replicas: number }[] = [
    { path: ['api', 'resources'], name: 'api', res: p.api.resources, replicas: p.api.replicas },
    { path: ['workers', 'resources'], name: 'workers', res: p.workers.resources, replicas: p.workers.replicas },
    { path: ['postgres', 'resources'], name: 'postgres', res: p.postgres.resources, replicas: 1 },
    { path: ['redis', 'resources'], name: 'redis', res: p.redis.resources, replicas: 1 },
    { path: ['edge', 'resources'], name: 'edge', res: p.edge.resources, replicas: 1 },
  ];
  if (p.monitoring.enabled) {
    out.push({ path: ['monitoring', 'resources'], name: 'prometheus', res: p.monitoring.resources, replicas: 1 });
    out.push({ path: ['monitoring'], name: 'alertmanager', res: HELPER_RESOURCES.alertmanager, replicas: 1 });
    if (p.monitoring.grafana.enabled) out.push({ path: ['monitoring', 'grafana'], name: 'grafana', res: HELPER_RESOURCES.grafana, replicas: 1 });
    // postgres, redis and node exporters, plus the blackbox exporter when the edge is probed.
    out.push({ path: ['monitoring'], name: 'exporters', res: HELPER_RESOURCES.exporter, replicas: p.slo.probes.enabled ? 4 : 3 });
  }
  return out;
}

function checkHostFit(p: Profile): CrossProblem[] {
  const hostMem = parseSize(p.host.memory);
  const problems: CrossProblem[] = [];
  let total = 0;
  for (const s of sizedServices(p)) {
    const mem = parseSize(s.res.memory);
    total += mem * s.replicas;
    if (s.res.cpus > p.host.cpus) problems.push({ path: [...s.path, 'cpus'], message: `expected ≤ host.cpus ${p.host.cpus}, found ${s.res.cpus}`, alternatives: [['host', 'cpus']] });
    if (mem > hostMem) problems.push({ path: [...s.path, 'memory'], message: `expected ≤ host.memory ${p.host.memory}, found ${JSON.stringify(s.res.memory)}`, alternatives: [['host', 'memory']] });
  }
  const capacity = hostMem * p.host.nodes;
  if (problems.length === 0 && total > capacity) {
    problems.push({
      path: ['host', 'memory'],
      alternatives: [['host', 'nodes'], ['api', 'replicas'], ['workers', 'replicas'], ['workers', 'resources', 'memory'], ['api', 'resources', 'memory']],
      message: `expected ≥ the sum of memory limits × replicas ${fmtMiB(total)} (over ${p.host.nodes} node(s)), found ${JSON.stringify(p.host.memory)} — lower replicas or limits, or raise host.memory`,
    });
  }
  return problems;
}

function checkSecretRefs(p: Profile): CrossProblem[] {
  const refs: [KeyPath, string | undefined][] = [
    [['postgres', 'password_secret'], p.postgres.password_secret],
    [['postgres', 'superuser_password_secret'], p.postgres.superuser_password_secret],
    [['redis', 'password_secret'], p.redis.password_secret],
    [['monitoring', 'grafana', 'admin_password_secret'], p.monitoring.grafana.enabled ? p.monitoring.grafana.admin_password_secret : undefined],
    [['edge', 'traefik', 'dashboard', 'users_secret'], p.edge.kind === 'traefik' && p.edge.traefik.dashboard.enabled ? p.edge.traefik.dashboard.users_secret : undefined],
    [['backup', 'encryption', 'key_secret'], p.backup.encryption?.key_secret],
    [['storage', 's3', 'access_key_secret'], p.storage.s3?.access_key_secret],
    [['storage', 's3', 'secret_key_secret'], p.storage.s3?.secret_key_secret],
    [['backup', 'target', 's3', 'access_key_secret'], p.backup.target.s3?.access_key_secret],
    [['backup', 'target', 's3', 'secret_key_secret'], p.backup.target.s3?.secret_key_secret],
    [['slo', 'probes', 'api_key_secret'], p.slo.probes.api_key_secret],
  ];
  const names = Object.keys(p.secrets);
  return refs
    .filter(([, name]) => name !== undefined && !(name in p.secrets))
    .map(([path, name]) => ({ path, message: `expected the name of an entry under secrets: (${names.join(', ')}), found ${JSON.stringify(name)}` }));
}

/** The superuser must not share the service role's password: a leaked app secret would otherwise
 *  run OS commands as the database account (COPY … FROM PROGRAM). (The role itself being the
 *  superuser is refused where a stack is brought up: targets/service-role.ts.) */
function checkPostgresRoles(p: Profile): CrossProblem[] {
  const pg = p.postgres;
  const problems: CrossProblem[] = [];
  if (pg.superuser_password_secret === pg.password_secret) {
    problems.push({ path: ['postgres', 'superuser_password_secret'], alternatives: [['postgres', 'password_secret']], message: `expected a secret of its own for the superuser, found the service's ${JSON.stringify(pg.password_secret)} — add secrets.postgres_superuser_password and name it here` });
  }
  return problems;
}

function checkStorage(p: Profile): CrossProblem[] {
  const problems: CrossProblem[] = [];
  const block = '(endpoint, region, bucket, access_key_secret, secret_key_secret)';
  if (p.storage.kind === 's3' && !p.storage.s3) problems.push({ path: ['storage', 'kind'], message: `expected a storage.s3 block ${block} when kind is s3` });
  if (p.backup.target.kind === 's3' && !p.backup.target.s3) problems.push({ path: ['backup', 'target', 'kind'], message: `expected a backup.target.s3 block ${block} when kind is s3` });
  if (p.backup.target.object_lock && p.backup.target.kind !== 's3') problems.push({ path: ['backup', 'target', 'object_lock'], alternatives: [['backup', 'target', 'kind']], message: 'expected backup.target.kind s3: Object Lock is a bucket feature' });
  return problems;
}

function checkTarget(p: Profile): CrossProblem[] {
  if (p.target === 'native' && p.edge.kind !== 'haproxy') {
    return [{ path: ['edge', 'kind'], message: `expected "haproxy" when target is native (Traefik cannot be run natively here), found ${JSON.stringify(p.edge.kind)}`, alternatives: [['target']] }];
  }
  return [];
}

/** WAL archiving runs `prodctl wal-push` from Postgres; only the native target has prodctl beside its Postgres so far. */
function checkWalArchive(p: Profile): CrossProblem[] {
  if (!p.backup.wal?.archive || p.target === 'native') return [];
  return [{ path: ['backup', 'wal', 'archive'], message: `expected false when target is ${p.target}: the Postgres image has no prodctl to archive WAL with yet (native only)`, alternatives: [['target']] }];
}

/** mode files needs both halves of the pair; the other modes must not carry a pair that would be ignored. */
function checkTlsFiles(p: Profile): CrossProblem[] {
  const t = p.edge.tls;
  if (t.mode === 'files') {
    const missing = (['cert_file', 'key_file'] as const).filter((k) => !t[k]);
    return missing.length ? [{ path: ['edge', 'tls', 'mode'], message: `expected "files" to come with edge.tls.cert_file and key_file, found no ${missing.join(' and no ')}` }] : [];
  }
  return (['cert_file', 'key_file'] as const).filter((k) => t[k]).map((k) => ({ path: ['edge', 'tls', k], message: `expected no ${k} when edge.tls.mode is ${t.mode} (it would be ignored), found ${JSON.stringify(t[k])} — set edge.tls.mode: files` }));
}
