import { describe, expect, it } from 'vitest';
import { derivePostgresMemory, formatDuration, formatSize, renderPostgresqlConf } from '../../templates/postgres/render-postgresql-conf.js';
import { loadExamplePlan, settingLines } from './support.js';

const MB = 1024 ** 2;
const GB = 1024 ** 3;

describe('derivePostgresMemory', () => {
  it('splits the memory limit 25 % / 75 % / per-connection / 1/16', () => {
    expect(derivePostgresMemory(4 * GB, 100)).toEqual({ sharedBuffers: GB, effectiveCacheSize: 3 * GB, workMem: 15680 * 1024, maintenanceWorkMem: 256 * MB });
  });
  it('keeps work_mem ≥ 4MB and maintenance_work_mem between 64MB and 1GB', () => {
    expect(derivePostgresMemory(256 * MB, 1000)).toEqual({ sharedBuffers: 64 * MB, effectiveCacheSize: 192 * MB, workMem: 4 * MB, maintenanceWorkMem: 64 * MB });
    expect(derivePostgresMemory(64 * GB, 100).maintenanceWorkMem).toBe(GB);
  });
});

describe('formatSize / formatDuration', () => {
  it('uses the largest exact Postgres unit', () => {
    expect([formatSize(GB), formatSize(192 * MB), formatSize(5888 * 1024)]).toEqual(['1GB', '192MB', '5888kB']);
    expect(['30s', '60s', '1h', '250ms', '0s'].map(formatDuration)).toEqual(['30s', '1min', '1h', '250ms', '0']);
  });
});

describe('renderPostgresqlConf', () => {
  it('renders the medium example exactly', async () => {
    const f = renderPostgresqlConf(await loadExamplePlan('medium'));
    expect(f.path).toBe('postgres/postgresql.conf');
    expect(settingLines(f.content)).toEqual([
      "listen_addresses = '*'",
      'port = 5432',
      'max_connections = 100',
      'superuser_reserved_connections = 3',
      "password_encryption = 'scram-sha-256'",
      'unix_socket_permissions = 0700',
      'tcp_keepalives_idle = 60',
      'tcp_keepalives_interval = 10',
      'tcp_keepalives_count = 6',
      'shared_buffers = 1GB',
      'effective_cache_size = 3GB',
      'work_mem = 15680kB',
      'maintenance_work_mem = 256MB',
      'huge_pages = try',
      'max_worker_processes = 8',
      'max_parallel_workers = 2',
      'max_parallel_workers_per_gather = 1',
      'random_page_cost = 1.1',
      'effective_io_concurrency = 200',
      'statement_timeout = 30s',
      'idle_in_transaction_session_timeout = 1min',
      'wal_level = replica',
      'synchronous_commit = on',
      'wal_compression = lz4',
      'max_wal_size = 2GB',
      'min_wal_size = 512MB',
      'checkpoint_timeout = 15min',
      'checkpoint_completion_target = 0.9',
      "log_destination = 'stderr'",
      'logging_collector = off',
      "log_line_prefix = '%m [%p] %q%u@%d '",
      "log_timezone = 'UTC'",
      "timezone = 'UTC'",
      'log_min_duration_statement = 1s',
      'log_checkpoints = on',
      'log_lock_waits = on',
      'log_temp_files = 0',
      'log_autovacuum_min_duration = 10s',
      "log_statement = 'ddl'",
      'log_connections = off',
    ]);
    expect(f.content).toContain('# (4GB) unless postgres.tuning pins them.');
    expect(f.content).toContain('# 25 % of the memory limit\nshared_buffers = 1GB\n');
  });

  it('sizes small and large from their postgres memory limits', async () => {
    const small = settingLines(renderPostgresqlConf(await loadExamplePlan('small')).content);
    expect(small).toEqual(expect.arrayContaining(['max_connections = 50', 'shared_buffers = 192MB', 'effective_cache_size = 576MB', 'work_mem = 5888kB', 'maintenance_work_mem = 64MB', 'max_wal_size = 1GB', 'min_wal_size = 256MB', 'max_parallel_workers = 1', 'max_parallel_workers_per_gather = 0']));
    const large = settingLines(renderPostgresqlConf(await loadExamplePlan('large')).content);
    expect(large).toEqual(expect.arrayContaining(['max_connections = 300', 'shared_buffers = 3GB', 'effective_cache_size = 9GB', 'work_mem = 15680kB', 'maintenance_work_mem = 768MB', 'max_wal_size = 4GB', 'max_parallel_workers = 4', 'max_parallel_workers_per_gather = 2']));
  });

  it('takes pinned tuning and timeouts from the profile', async () => {
    const plan = await loadExamplePlan('medium', ['postgres.tuning.work_mem=32M', 'postgres.tuning.shared_buffers=512M', 'postgres.statement_timeout=2500ms', 'postgres.idle_in_transaction_session_timeout=2h']);
    const f = renderPostgresqlConf(plan).content;
    expect(f).toContain('# pinned in the profile (postgres.tuning)\nwork_mem = 32MB\n');
    expect(f).toContain('shared_buffers = 512MB\n');
    expect(f).toContain('statement_timeout = 2500ms\n');
    expect(f).toContain('idle_in_transaction_session_timeout = 2h\n');
    expect(f).toContain('log_min_duration_statement = 250ms\n');
  });

  it('is byte-identical on every run', async () => {
    expect(renderPostgresqlConf(await loadExamplePlan('medium')).content).toBe(renderPostgresqlConf(await loadExamplePlan('medium')).content);
  });
});
