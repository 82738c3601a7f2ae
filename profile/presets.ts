// Presets follow the sizing of the production-readiness plan: small (one 2-CPU/4 GB server,
// 100–500 users), medium (4 CPU/16 GB, 500–2,000 users, recommended), large (a multi-node
// cluster, 2,000–10,000 users). medium is complete; small and large are overrides of it.
import type { PresetName, Profile } from './schema.js';
import { mergeDeep, type Plain } from './merge.js';
import { DEFAULT_SLO } from './slo-schema.js';

export const RUNTIME_IMAGE = 'prodctl/runtime:0.1.0';

const medium: Omit<Profile, 'extends' | '$schema'> = {
  project: { name: 'pdfsvc', domains: ['pdf.example.com'], environment: 'production' },
  target: 'docker',
  host: { cpus: 4, memory: '16G', nodes: 1 },
  edge: {
    kind: 'traefik',
    http_port: 80,
    https_port: 443,
    bind: '0.0.0.0',
    resources: { cpus: 0.5, memory: '256M', pids: 256 },
    tls: {
      mode: 'acme',
      acme: { directory: 'https://acme-v02.api.letsencrypt.org/directory', email: 'ops@example.com', renew_before: '30d' },
      https_redirect: true,
      hsts: { max_age: '365d', include_subdomains: true, preload: true },
    },
    traefik: {
      dashboard: { enabled: true, users_secret: 'edge_dashboard_users' },
      rate_limit: { average: 200, burst: 400, period: '1s' },
      retry: { attempts: 3, initial_interval: '100ms' },
    },
    haproxy: { max_connections: 20000, server_max_connections: 256, timeout_connect: '5s', timeout_client: '60s', timeout_server: '60s' },
  },
  api: {
    replicas: 2,
    resources: { cpus: 1, memory: '512M', pids: 256 },
    port: 3000,
    metrics_port: 9464,
    rate_limits: { requests_per_second: 20, burst: 40, uploads_per_minute: 30 },
    max_upload_size: '50M',
    storage_quota: '5G',
    request_timeout: '30s',
    drain_window: '10s',
    auth: { api_keys: true },
  },
  workers: {
    replicas: 3,
    concurrency: 4,
    resources: { cpus: 1, memory: '1536M', pids: 256 },
    metrics_port: 9465,
    job_timeout: '120s',
    attempts: 3,
    backoff: { type: 'exponential', delay: '2s', jitter: 0.5 },
    max_queue_depth: 5000,
    max_pages: 2000,
    max_input_size: '50M',
    per_job_memory: '256M',
    remove_on_complete: { age: '24h', count: 10000 },
    remove_on_fail: { age: '7d', count: 50000 },
  },
  autoscale: {
    enabled: true,
    min: 2,
    max: 6,
    target_jobs_per_worker: 8,
    max_wait: '30s',
    step_up: 2,
    scale_up_window: '0s',
    scale_down_window: '5m',
    poll_interval: '5s',
    metrics_port: 9466,
  },
  postgres: {
    version: 15,
    database: 'pdfsvc',
    user: 'pdfsvc',
    password_secret: 'postgres_password',
    superuser_password_secret: 'postgres_superuser_password',
    port: 5432,
    max_connections: 100,
    reserved_connections: 10,
    pool_size: 10,
    pool: { connection_timeout: '5s', idle_timeout: '30s' },
    statement_timeout: '30s',
    idle_in_transaction_session_timeout: '60s',
    resources: { cpus: 2, memory: '4G', pids: 512 },
    tuning: {},
  },
  redis: {
    version: 7,
    port: 6379,
    password_secret: 'redis_password',
    maxmemory: '768M',
    maxmemory_policy: 'noeviction',
    appendonly: true,
    appendfsync: 'everysec',
    resources: { cpus: 1, memory: '1G', pids: 128 },
  },
  storage: { uploads_path: '/data/uploads', retention: '30d', blob_grace: '24h' },
  monitoring: {
    enabled: true,
    retention: '15d',
    scrape_interval: '15s',
    evaluation_interval: '15s',
    prometheus_port: 9090,
    alertmanager_port: 9093,
    resources: { cpus: 1, memory: '1G', pids: 256 },
    alertmanager: { receivers: [{ name: 'ops', webhook_url: 'http://127.0.0.1:9099/alerts' }] },
    grafana: { enabled: true, port: 3001, admin_password_secret: 'grafana_admin_password' },
  },
  slo: DEFAULT_SLO,
  backup: {
    schedule: '0 3 * * *',
    retention: { keep_last: 3, daily: 7, weekly: 4, monthly: 6 },
    target: { kind: 'local', path: '/var/backups/prodctl' },
    compression: 'zstd',
    encryption: { key_secret: 'backup_key' },
    verify_after_backup: true,
  },
  loadtest: {
    allowed_hosts: [],
    max_duration: '30m',
    max_requests: 5_000_000,
    scenarios: {
      mixed: { kind: 'mixed', executor: 'constant-vus', vus: 1000, duration: '60s', upload_share: 0.05 },
    },
    thresholds: {
      'http_req_duration{endpoint:upload}': ['p(95)<5000'],
      'http_req_duration{endpoint:status}': ['p(95)<1000'],
      http_req_failed: ['rate<0.02'],
      job_completion: ['rate>0.95'],
    },
  },
  deploy: { timeout: '60s', keep_images: 5, stop_timeout: '30s' },
  images: {
    api: RUNTIME_IMAGE,
    worker: RUNTIME_IMAGE,
    postgres: 'postgres:15.8-bookworm',
    redis: 'redis:7.2.5-bookworm',
    edge: 'traefik:v3.1.6',
    prometheus: 'prom/prometheus:v2.54.1',
    alertmanager: 'prom/alertmanager:v0.27.0',
    grafana: 'grafana/grafana:11.2.0',
    postgres_exporter: 'prometheuscommunity/postgres-exporter:v0.15.0',
    // The alpine build: the scratch one has no shell to read the password secret at start.
    redis_exporter: 'oliver006/redis_exporter:v1.62.0-alpine',
    node_exporter: 'prom/node-exporter:v1.8.2',
  },
  secrets: {
    postgres_password: { file: 'secrets/postgres_password' },
    postgres_superuser_password: { file: 'secrets/postgres_superuser_password' },
    redis_password: { file: 'secrets/redis_password' },
    api_key_pepper: { file: 'secrets/api_key_pepper' },
    grafana_admin_password: { file: 'secrets/grafana_admin_password' },
    backup_key: { file: 'secrets/backup_key' },
    edge_dashboard_users: { file: 'secrets/edge_dashboard_users' },
  },
  checks: { waive: [] },
};

const small: Plain = {
  host: { cpus: 2, memory: '4G', nodes: 1 },
  edge: { resources: { cpus: 0.5, memory: '128M', pids: 128 } },
  api: { replicas: 1, resources: { cpus: 1, memory: '384M', pids: 256 } },
  workers: { replicas: 2, concurrency: 2, resources: { cpus: 1, memory: '640M', pids: 256 }, max_queue_depth: 2000 },
  // Off on one small server (`prodctl init` shows it commented); the bounds fit its 2 CPUs.
  autoscale: { enabled: false, min: 1, max: 3, target_jobs_per_worker: 4 },
  postgres: { max_connections: 50, pool_size: 5, resources: { cpus: 1, memory: '768M', pids: 256 } },
  redis: { maxmemory: '192M', resources: { cpus: 0.5, memory: '256M', pids: 64 } },
  monitoring: { retention: '7d', resources: { cpus: 0.5, memory: '384M', pids: 128 }, grafana: { enabled: false } },
};

const large: Plain = {
  target: 'swarm',
  host: { cpus: 8, memory: '32G', nodes: 3 },
  api: { replicas: 4, resources: { cpus: 2, memory: '1G', pids: 512 }, rate_limits: { requests_per_second: 20, burst: 40, uploads_per_minute: 60 } },
  workers: { replicas: 8, concurrency: 4, resources: { cpus: 2, memory: '2G', pids: 512 }, max_queue_depth: 20000 },
  autoscale: { min: 4, max: 16, step_up: 4 },
  postgres: { max_connections: 300, reserved_connections: 20, pool_size: 10, resources: { cpus: 4, memory: '12G', pids: 1024 } },
  redis: { maxmemory: '3G', resources: { cpus: 2, memory: '4G', pids: 256 } },
  monitoring: { retention: '30d', resources: { cpus: 2, memory: '4G', pids: 512 } },
  backup: { retention: { keep_last: 7, daily: 14, weekly: 8, monthly: 12 } },
};

export const PRESET_NAMES: readonly PresetName[] = ['small', 'medium', 'large'];

/** The full base object of a preset (before the user's layers are applied). */
export function loadPreset(name: PresetName): Plain {
  const base = medium as unknown as Plain;
  if (name === 'medium') return structuredClone(base);
  return mergeDeep(base, name === 'small' ? small : large);
}
