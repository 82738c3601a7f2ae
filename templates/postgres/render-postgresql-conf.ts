// postgres/postgresql.conf: Postgres tuned from the profile. Pure: plan in, file out.
// Memory settings derive from the postgres service's memory limit (the container limit, or what
// the native target budgets for it) unless the profile pins them under postgres.tuning.
// Docker starts it with `-c config_file=…`; native with the same file plus its own port and paths.
import { RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration, parseSize } from '../../profile/units.js';
import { formatConfLines, type ConfSetting } from '../conf-lines.js';
import type { RenderedFile } from '../types.js';
import { formatDuration } from './pg-duration.js';
import { walArchiveSettings } from './wal-archive-settings.js';

export { formatDuration };

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

export interface PostgresMemory {
  sharedBuffers: number;
  effectiveCacheSize: number;
  workMem: number;
  maintenanceWorkMem: number;
}

/**
 * The classic split for a dedicated database host, applied to the memory limit:
 * 25 % shared buffers, 75 % as the planner's cache estimate, maintenance 1/16 (≤ 1 GB),
 * and work_mem so that every connection running ~2 sorts at once still fits in what shared
 * buffers leave free.
 */
export function derivePostgresMemory(memoryBytes: number, maxConnections: number): PostgresMemory {
  const sharedBuffers = floorTo(memoryBytes / 4, MB);
  return {
    sharedBuffers,
    effectiveCacheSize: floorTo((memoryBytes * 3) / 4, MB),
    workMem: Math.max(4 * MB, floorTo((memoryBytes - sharedBuffers) / (maxConnections * 2), 64 * KB)),
    maintenanceWorkMem: Math.max(64 * MB, Math.min(GB, floorTo(memoryBytes / 16, MB))),
  };
}

export function renderPostgresqlConf(plan: StackPlan): RenderedFile {
  return { path: RENDER_PATHS.postgresConf, content: formatConf(plan, postgresSettings(plan)) };
}

/** Every setting the file holds, in file order (the validator reads each back from the server). */
export function postgresSettings(plan: StackPlan): ConfSetting[] {
  const pg = plan.profile.postgres;
  const svc = plan.services.find((s) => s.name === 'postgres');
  const memory = postgresMemoryLimit(plan);
  const cpus = Math.max(1, Math.ceil(svc?.resources.cpus ?? pg.resources.cpus));
  const derived = derivePostgresMemory(memory, pg.max_connections);
  const t = pg.tuning;
  const pick = (v: string | undefined, d: number) => formatSize(v === undefined ? d : parseSize(v));
  const maxWal = memory <= GB ? GB : memory <= 4 * GB ? 2 * GB : 4 * GB;
  const why = (pinned: string | undefined, rule: string) => (pinned === undefined ? rule : 'pinned in the profile (postgres.tuning)');
  return [
    // connections
    { name: 'listen_addresses', value: quote('*'), why: 'only the internal backend network reaches it (native overrides this with 127.0.0.1)' },
    { name: 'port', value: String(pg.port) },
    { name: 'max_connections', value: String(pg.max_connections), why: 'profile; pools of all API and worker replicas plus the reserve fit under it' },
    { name: 'superuser_reserved_connections', value: '3', why: 'so an operator can still log in when the pools are full' },
    { name: 'password_encryption', value: quote('scram-sha-256'), why: 'never md5' },
    { name: 'unix_socket_permissions', value: '0700', why: 'only the server\'s own account opens the socket (its folder is 0700 too)' },
    { name: 'tcp_keepalives_idle', value: '60', why: 'find clients that vanished behind NAT or a killed container' },
    { name: 'tcp_keepalives_interval', value: '10' },
    { name: 'tcp_keepalives_count', value: '6' },
    // memory
    { name: 'shared_buffers', value: pick(t.shared_buffers, derived.sharedBuffers), why: why(t.shared_buffers, '25 % of the memory limit') },
    { name: 'effective_cache_size', value: pick(t.effective_cache_size, derived.effectiveCacheSize), why: why(t.effective_cache_size, '75 % of the memory limit (planner estimate, not an allocation)') },
    { name: 'work_mem', value: pick(t.work_mem, derived.workMem), why: why(t.work_mem, '(limit − shared_buffers) / (max_connections × 2), at least 4MB') },
    { name: 'maintenance_work_mem', value: pick(t.maintenance_work_mem, derived.maintenanceWorkMem), why: why(t.maintenance_work_mem, 'limit / 16, between 64MB and 1GB') },
    { name: 'huge_pages', value: 'try', why: 'use them when the host has them, start anyway when not' },
    // CPU
    { name: 'max_worker_processes', value: String(Math.max(8, cpus)) },
    { name: 'max_parallel_workers', value: String(cpus), why: 'at most one parallel worker per CPU of the limit' },
    { name: 'max_parallel_workers_per_gather', value: String(Math.min(4, Math.floor(cpus / 2))), why: 'short OLTP queries; half the CPUs at most' },
    { name: 'random_page_cost', value: '1.1', why: 'SSD storage' },
    { name: 'effective_io_concurrency', value: '200', why: 'SSD storage' },
    // timeouts
    { name: 'statement_timeout', value: formatDuration(pg.statement_timeout), why: 'profile; a runaway query cannot hold a pool slot (pg_dump and migrations set their own)' },
    { name: 'idle_in_transaction_session_timeout', value: formatDuration(pg.idle_in_transaction_session_timeout), why: 'profile; a forgotten transaction cannot hold locks or stop vacuum' },
    // WAL and checkpoints
    { name: 'wal_level', value: 'replica', why: 'base backups and a standby stay possible' },
    { name: 'synchronous_commit', value: 'on', why: 'an acknowledged job is never lost' },
    { name: 'wal_compression', value: 'lz4', why: 'smaller WAL for full-page writes, at little CPU (Debian and the official image build with lz4)' },
    { name: 'max_wal_size', value: formatSize(maxWal), why: 'checkpoints by time, not by WAL volume, under normal load' },
    { name: 'min_wal_size', value: formatSize(maxWal / 4) },
    { name: 'checkpoint_timeout', value: '15min', why: 'fewer full-page writes than the 5min default' },
    { name: 'checkpoint_completion_target', value: '0.9', why: 'spread checkpoint I/O over the interval' },
    // logging: to stderr, collected by the container engine or the native supervisor's log files
    { name: 'log_destination', value: quote('stderr') },
    { name: 'logging_collector', value: 'off', why: 'the engine / supervisor collects and rotates stderr' },
    { name: 'log_line_prefix', value: quote('%m [%p] %q%u@%d ') },
    { name: 'log_timezone', value: quote('UTC') },
    { name: 'timezone', value: quote('UTC') },
    { name: 'log_min_duration_statement', value: slowStatement(pg.statement_timeout), why: 'slow queries: a tenth of statement_timeout, at most 1s' },
    { name: 'log_checkpoints', value: 'on' },
    { name: 'log_lock_waits', value: 'on', why: 'lock waits longer than deadlock_timeout' },
    { name: 'log_temp_files', value: '0', why: 'every spill to disk: work_mem too small shows up here' },
    { name: 'log_autovacuum_min_duration', value: '10s' },
    { name: 'log_statement', value: quote('ddl'), why: 'schema changes leave a trace' },
    { name: 'log_connections', value: 'off', why: 'pooled connections; noise' },
    ...walArchiveSettings(plan),
  ];
}

function slowStatement(statementTimeout: string): string {
  return formatDuration(`${Math.max(100, Math.min(1000, Math.floor(parseDuration(statementTimeout) / 10)))}ms`);
}

function formatConf(plan: StackPlan, settings: ConfSetting[]): string {
  const header = [
    `postgresql.conf for ${plan.project} (preset ${plan.preset}). Rendered by prodctl from the profile;`,
    'edit the profile, not this file. Memory settings derive from the postgres memory limit',
    `(${formatSize(postgresMemoryLimit(plan))}) unless postgres.tuning pins them.`,
  ];
  return formatConfLines(header, settings, ' = ');
}

function postgresMemoryLimit(plan: StackPlan): number {
  return plan.services.find((s) => s.name === 'postgres')?.resources.memoryBytes ?? parseSize(plan.profile.postgres.resources.memory);
}

function quote(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

function floorTo(v: number, step: number): number {
  return Math.floor(v / step) * step;
}

/** Postgres memory units: the largest of GB/MB/kB that is exact. */
export function formatSize(bytes: number): string {
  if (bytes % GB === 0) return `${bytes / GB}GB`;
  if (bytes % MB === 0) return `${bytes / MB}MB`;
  return `${Math.floor(bytes / KB)}kB`;
}

/** Postgres time units: the largest of h/min/s/ms that is exact. */
