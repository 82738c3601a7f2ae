// The one schema behind the profile: validation, the TypeScript types (z.infer) and the
// published JSON Schema (`prodctl schema`) all come from here.
import { z } from 'zod';
import { isDuration, isSize, parseDuration } from './units.js';
import { DEFAULT_SLO, sloSchema } from './slo-schema.js';

const duration = z
  .string({ error: 'expected a duration like 30s, 5m or 1h' })
  .refine(isDuration, { message: 'expected a duration like 500ms, 30s, 5m, 1h or 7d' })
  .meta({ description: 'Duration: <number><ms|s|m|h|d|w>, e.g. 30s' });
const size = z
  .string({ error: 'expected a size like 512M or 4G' })
  .refine(isSize, { message: 'expected a size like 512M, 4G or 100MB' })
  .meta({ description: 'Size in bytes with a binary unit: 512M, 4G, 100MB' });
const posInt = z.number({ error: 'expected a whole number' }).int({ message: 'expected a whole number' });
const replicas = posInt.min(1, { message: 'must be ≥ 1' });
const port = posInt.min(1).max(65535);
const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, {
  message: 'expected a host name like pdf.example.com',
});
const secretRef = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, { message: 'expected the name of an entry under secrets:' })
  .meta({ description: 'Name of an entry under `secrets:`' });

export const resourcesSchema = z
  .object({
    cpus: z.number().positive({ message: 'must be > 0' }).meta({ description: 'CPU limit in cores (0.5 = half a core)' }),
    memory: size.meta({ description: 'Memory limit, e.g. 512M' }),
    pids: posInt.min(16, { message: 'must be ≥ 16' }).meta({ description: 'Process/thread limit' }),
  })
  .strict();

// TLS at the edge: one set of keys that both edges (HAProxy and Traefik) render the same way.
const tlsSchema = z
  .object({
    mode: z.enum(['acme', 'files', 'off']).meta({ description: 'acme: prodctl (HAProxy) or Traefik obtains and renews certificates for project.domains; files: cert_file/key_file (an internal CA); off: plain HTTP only' }),
    cert_file: z.string().min(1).optional().meta({ description: 'mode files: PEM certificate chain, relative to the profile' }),
    key_file: z.string().min(1).optional().meta({ description: 'mode files: PEM private key, relative to the profile (a secret file, mode 0600)' }),
    acme: z
      .object({
        directory: z.url().meta({ description: "ACME directory URL (Let's Encrypt's by default; a staging or internal CA's for tests)" }),
        email: z.email({ message: 'expected an e-mail address for ACME registration' }),
        renew_before: duration.meta({ description: 'Renew a certificate when less than this is left' }),
      })
      .strict(),
    https_redirect: z.boolean().meta({ description: 'Redirect plain HTTP to HTTPS (except /.well-known/acme-challenge/)' }),
    hsts: z
      .object({ max_age: duration, include_subdomains: z.boolean(), preload: z.boolean() })
      .strict(),
  })
  .strict();

const edgeSchema = z
  .object({
    kind: z.enum(['traefik', 'haproxy']).meta({ description: 'traefik for docker/swarm; haproxy for native, and an option everywhere' }),
    http_port: port,
    https_port: port,
    bind: z.string().meta({ description: 'Address the edge listens on' }),
    resources: resourcesSchema,
    tls: tlsSchema,
    traefik: z
      .object({
        dashboard: z.object({ enabled: z.boolean(), users_secret: secretRef }).strict(),
        rate_limit: z.object({ average: posInt.min(1), burst: posInt.min(1), period: duration }).strict(),
        retry: z.object({ attempts: posInt.min(0), initial_interval: duration }).strict(),
      })
      .strict(),
    haproxy: z
      .object({
        max_connections: posInt.min(100),
        server_max_connections: posInt
          .min(1, { message: 'must be ≥ 1' })
          .meta({ description: "Connections HAProxy opens to one API replica at most; further requests wait in HAProxy's queue (timeout_server) instead of overflowing the replica's accept backlog" }),
        timeout_connect: duration,
        timeout_client: duration,
        timeout_server: duration,
      })
      .strict(),
    client_limits: z
      .object({
        connections_per_source: posInt.min(1).optional().meta({ description: 'Open connections one client address may hold at the edge (default 100, at most half the edge maxconn)' }),
        requests_per_source_per_10s: posInt.min(1).optional().meta({ description: 'Requests one client address may send per 10 s before the edge answers 429 (default 100000: a flood guard that one client load test or a shared office address does not reach)' }),
        request_timeout: duration.optional().meta({ description: 'Time a whole request, body included, may take to arrive at the edge on routes that are not uploads (default 10s)' }),
      })
      .strict()
      .optional()
      .meta({ description: 'Edge limits per client address against slow and greedy clients (HAProxy)' }),
  })
  .strict();

const apiSchema = z
  .object({
    replicas,
    resources: resourcesSchema,
    port,
    metrics_port: port,
    rate_limits: z
      .object({
        requests_per_second: z.number().positive({ message: 'must be > 0' }),
        burst: posInt.min(1),
        uploads_per_minute: posInt.min(1, { message: 'must be ≥ 1' }),
      })
      .strict(),
    max_upload_size: size,
    storage_quota: size.meta({ description: 'Per-user storage quota' }),
    request_timeout: duration,
    drain_window: duration.meta({ description: 'How long a draining replica keeps serving after SIGTERM' }),
    auth: z
      .object({
        oidc: z
          .object({ issuer: z.url(), audience: z.string().min(1), jwks_url: z.url() })
          .strict()
          .optional(),
        api_keys: z.boolean(),
      })
      .strict(),
  })
  .strict();

const workersSchema = z
  .object({
    replicas,
    concurrency: posInt.min(1, { message: 'must be ≥ 1' }),
    resources: resourcesSchema,
    metrics_port: port,
    job_timeout: duration,
    attempts: posInt.min(1, { message: 'must be ≥ 1' }).max(20),
    backoff: z
      .object({ type: z.enum(['exponential', 'fixed']), delay: duration, jitter: z.number().min(0).max(1) })
      .strict(),
    max_queue_depth: posInt.min(1, { message: 'must be ≥ 1' }),
    max_pages: posInt.min(1),
    max_input_size: size,
    per_job_memory: size.meta({ description: 'Memory bound of one job (worker-thread heap limit)' }),
    verify_output: z
      .enum(['full', 'structure', 'off'])
      .optional()
      .meta({ description: 'How each output is checked before its job completes: full (re-parse it, default), structure (header and xref only; a damaged object inside is not caught), off (nothing; a broken output reaches the user)' }),
    stall_detection: z
      .object({
        lock_duration: duration.optional().meta({ description: 'How long a job lock lasts without renewal (default 15s; renewed every half of it while the job runs)' }),
        check_interval: duration.optional().meta({ description: 'How often workers look for jobs whose lock expired (default 15s)' }),
        max_stalled: posInt.min(0).optional().meta({ description: 'Stalls after which a job fails instead of returning to the queue (default 2)' }),
      })
      .strict()
      .optional()
      .meta({ description: "A killed worker's jobs return to the queue within lock_duration + check_interval" }),
    remove_on_complete: z.object({ age: duration, count: posInt.min(0) }).strict(),
    remove_on_fail: z.object({ age: duration, count: posInt.min(0) }).strict(),
  })
  .strict();

// The queue-depth worker autoscaler (docs/autoscale.md): its controller sets workers.replicas
// between min and max from the BullMQ backlog.
const autoscaleSchema = z
  .object({
    enabled: z.boolean(),
    min: replicas.meta({ description: 'Fewest workers; the controller never goes below' }),
    max: replicas.meta({ description: 'Most workers; at max with a growing backlog the AutoscalerAtMax alert fires' }),
    target_jobs_per_worker: posInt.min(1, { message: 'must be ≥ 1' }).meta({ description: 'Waiting + active jobs one worker should carry' }),
    max_wait: duration.meta({ description: 'Oldest waiting job older than this: one more worker even if the count says no' }),
    step_up: posInt.min(1, { message: 'must be ≥ 1' }).meta({ description: 'Most workers added at once' }),
    scale_up_window: duration
      .refine((v) => !isDuration(v) || parseDuration(v) <= 15_000, { message: 'expected a duration from 0s to 15s' })
      .meta({ description: 'A higher need must last this long before workers are added (0s–15s)' }),
    scale_down_window: duration.meta({ description: 'Workers are removed only when the need stayed lower this long; one scale-down per window' }),
    poll_interval: duration.meta({ description: 'How often the controller reads the queue' }),
    metrics_port: port.meta({ description: 'Health and metrics port of the controller' }),
    service: z.boolean().optional().meta({ description: 'Run the controller as a service of the stack (native target; default true); false: run `prodctl autoscale run` yourself' }),
  })
  .strict();

const postgresSchema = z
  .object({
    version: z.union([z.literal(15), z.literal(16), z.literal(17)], { error: 'expected 15, 16 or 17' }),
    database: z.string().regex(/^[a-z_][a-z0-9_]*$/),
    user: z.string().regex(/^[a-z_][a-z0-9_]*$/).meta({ description: 'The service\'s own role: owner of `database` only, no superuser, no CREATEROLE' }),
    password_secret: secretRef.meta({ description: 'Password of `user`, the role the API, workers, migrations, backups and exporters log in as' }),
    superuser_password_secret: secretRef.meta({ description: 'Password of the `postgres` superuser, distinct from password_secret; only prodctl\'s setup uses it' }),
    port,
    max_connections: posInt.min(10, { message: 'must be ≥ 10' }),
    reserved_connections: posInt.min(0).meta({ description: 'Connections kept free for admin, backup, migrations and exporters' }),
    pool_size: posInt.min(1, { message: 'must be ≥ 1' }).meta({ description: 'Pool size per API or worker replica' }),
    pool: z.object({ connection_timeout: duration, idle_timeout: duration }).strict(),
    statement_timeout: duration,
    idle_in_transaction_session_timeout: duration,
    resources: resourcesSchema,
    tuning: z
      .object({
        shared_buffers: size.optional(),
        effective_cache_size: size.optional(),
        work_mem: size.optional(),
        maintenance_work_mem: size.optional(),
      })
      .strict()
      .meta({ description: 'Memory settings; derived from resources.memory when left out' }),
  })
  .strict();

const redisSchema = z
  .object({
    version: z.literal(7),
    port,
    password_secret: secretRef,
    maxmemory: size,
    maxmemory_policy: z.enum(['noeviction', 'allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'volatile-lfu', 'allkeys-random', 'volatile-random', 'volatile-ttl']),
    appendonly: z.boolean(),
    appendfsync: z.enum(['everysec', 'always', 'no']),
    resources: resourcesSchema,
  })
  .strict();

const monitoringSchema = z
  .object({
    enabled: z.boolean(),
    retention: duration,
    scrape_interval: duration,
    evaluation_interval: duration,
    prometheus_port: port,
    alertmanager_port: port,
    resources: resourcesSchema,
    alertmanager: z
      .object({
        receivers: z
          .array(
            z
              .object({
                name: z.string().min(1),
                webhook_url: z.url().optional(),
                email: z.email().optional(),
              })
              .strict(),
          )
          .min(1, { message: 'needs at least one receiver' }),
        smtp: z.object({ smarthost: z.string(), from: z.email() }).strict().optional(),
      })
      .strict(),
    grafana: z.object({ enabled: z.boolean(), port, admin_password_secret: secretRef }).strict(),
  })
  .strict();

export const s3Schema = z
  .object({
    endpoint: z.url().optional().meta({ description: 'S3 endpoint URL (omit for AWS S3), e.g. http://minio:9000' }),
    region: z.string().min(1),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'expected an S3 bucket name (3–63 lowercase letters, digits, dots, dashes)' }),
    prefix: z.string().regex(/^([A-Za-z0-9!_.*'()-]+\/)*$/, { message: 'expected "" or a key prefix ending in "/", e.g. prod/' }).optional(),
    path_style: z.boolean().optional().meta({ description: 'Path-style URLs (MinIO, Ceph RGW); default false' }),
    access_key_secret: secretRef,
    secret_key_secret: secretRef,
  })
  .strict();

const backupSchema = z
  .object({
    schedule: z.string().meta({ description: 'Cron expression (5 fields), e.g. "0 3 * * *"' }),
    retention: z
      .object({ keep_last: posInt.min(1), daily: posInt.min(0), weekly: posInt.min(0), monthly: posInt.min(0) })
      .strict(),
    target: z
      .object({
        kind: z.enum(['local', 's3']).meta({ description: 'local: a folder (path); s3: a bucket (s3), off the host' }),
        path: z.string().min(1).meta({ description: 'The backup folder (kind local); with kind s3, where restore-verify scratch data goes' }),
        separate_disk: z.boolean().optional().meta({ description: 'kind local: the folder is a separately mounted disk (DATA-008 passes only then)' }),
        s3: s3Schema.optional().meta({ description: 'The bucket when kind is s3 (prefix defaults to backups/)' }),
        // S3 Object Lock on every backup object (sets and archived WAL); docs/backup.md.
        object_lock: z
          .object({
            mode: z.enum(['governance', 'compliance']).meta({ description: 'governance: a user with s3:BypassGovernanceRetention may still delete; compliance: no one can until the date' }),
            retain: duration.meta({ description: 'Each object is locked for this long after it is written, e.g. 30d' }),
          })
          .strict()
          .optional()
          .meta({ description: 'kind s3: lock every backup object against deletion and overwrite (the bucket must have been created with Object Lock enabled)' }),
      })
      .strict(),
    compression: z.enum(['zstd', 'gzip', 'none']),
    encryption: z.object({ key_secret: secretRef }).strict().optional(),
    verify_after_backup: z.boolean(),
    // Continuous WAL archiving and point-in-time restore (docs/backup.md). Off unless present.
    wal: z
      .object({
        archive: z.boolean().default(true).meta({ description: 'Archive every WAL segment to the backup target (archive_mode = on)' }),
        archive_timeout: duration.default('60s').meta({ description: 'Longest time a written WAL segment waits before it is archived: the recovery point (RPO) bound' }),
        lag_alert_factor: posInt.min(1).default(3).meta({ description: 'PostgresWalArchiveLagging fires when the last archive is older than this × archive_timeout while the database takes writes' }),
      })
      .strict()
      .optional(),
  })
  .strict();

export const thresholdExpr = z.string().regex(/^(avg|min|max|med|p\(\d+(\.\d+)?\)|rate|count)\s*(<|<=|>|>=|==|!=)\s*-?\d+(\.\d+)?$/, {
  message: 'expected a k6 threshold like p(95)<5000 or rate<0.02',
});

// `prodctl plan --users N` (docs/capacity.md): the workload of one user, the utilisation to size
// for and the price table. Every key has a default; per-core rates come from a capacity record.
const monthlyRange = z.object({ low: z.number().min(0), high: z.number().min(0) }).strict();
const capacitySchema = z
  .object({
    workload: z
      .object({
        requests_per_user_per_minute: z.number().positive().optional().meta({ description: 'Requests one user sends a minute (default 60: the mixed scenario\'s 1 s think time)' }),
        uploads_per_user_per_hour: z.number().min(0).optional().meta({ description: 'Uploads, each with one job, per user an hour (default 180: 5 % of the requests)' }),
        status_polls_per_job: z.number().min(0).optional().meta({ description: 'Status polls a job costs until it ends (default 2)' }),
        pages_per_job: posInt.min(1).optional().meta({ description: 'Pages of a typical upload (default 3)' }),
        job_op: z.enum(['info', 'merge', 'split', 'rotate', 'watermark', 'optimize', 'extract', 'metadata']).optional().meta({ description: 'The typical job (default info)' }),
      })
      .strict()
      .optional(),
    target_utilization: z.number().gt(0).max(1).optional().meta({ description: 'Busy share of each core to size for (default 0.7)' }),
    node_reserve: z.object({ cpus: z.number().min(0).optional(), memory: size.optional() }).strict().optional().meta({ description: 'Kept free on each node for the OS, edge and exporters (default 0.25 CPU, 1G)' }),
    prices: z
      .object({
        currency: z.string().min(1).optional(),
        nodes: z.array(z.object({ name: z.string().min(1), cpus: z.number().positive(), memory: size, monthly: monthlyRange }).strict()).min(1).optional().meta({ description: 'Node types with their monthly price range (default: the seed tiers small 2 CPU/4G $75–130, medium 4 CPU/16G $320–600, and large 8 CPU/32G at twice the medium, $640–1,200)' }),
        extras: z.array(z.object({ name: z.string().min(1), monthly: monthlyRange, multi_node_only: z.boolean().optional() }).strict()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const loadtestSchema = z
  .object({
    allowed_hosts: z.array(z.string()),
    max_duration: duration,
    max_requests: posInt.min(1),
    scenarios: z.record(
      z.string(),
      z
        .object({
          kind: z.enum(['status', 'upload', 'download', 'mixed']),
          executor: z.enum(['constant-vus', 'ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate']),
          vus: posInt.min(1).optional(),
          duration: duration.optional(),
          rate: posInt.min(1).optional(),
          time_unit: duration.optional(),
          pre_allocated_vus: posInt.min(1).optional(),
          max_vus: posInt.min(1).optional(),
          stages: z.array(z.object({ duration, target: posInt.min(0) }).strict()).optional(),
          upload_share: z.number().min(0).max(1).optional(),
          shape: z.enum(['spike', 'soak', 'stress']).optional().meta({ description: 'Derive ramping stages from vus and duration' }),
          think_time: duration.optional().meta({ description: 'Pause between iterations of one VU (closed model)' }),
          job_op: z.enum(['info', 'merge', 'split', 'rotate', 'watermark', 'optimize', 'extract', 'metadata']).optional(),
          graceful_stop: duration.optional(),
          sample_pages: posInt.min(1).max(5000).optional().meta({ description: 'Pages of the generated sample PDF each upload sends (default 3)' }),
          job_deadline: duration.optional().meta({ description: 'A job not completed this long after submission counts as not completed (default 30s)' }),
        })
        .strict(),
    ),
    thresholds: z.record(z.string(), z.array(thresholdExpr).min(1)),
  })
  .strict();

export const SERVICE_IMAGES = ['api', 'worker', 'postgres', 'redis', 'edge', 'prometheus', 'alertmanager', 'grafana', 'postgres_exporter', 'redis_exporter', 'node_exporter'] as const;

const imageRef = z.string().regex(/^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9._-]+)?(@sha256:[a-f0-9]{64})?$/, {
  message: 'expected an image reference like postgres:15.8-bookworm',
});

export const profileSchema = z
  .object({
    $schema: z.string().optional(),
    extends: z.enum(['small', 'medium', 'large']).optional(),
    project: z
      .object({
        name: z.string().regex(/^[a-z][a-z0-9-]{1,38}[a-z0-9]$/, { message: 'expected 3–40 lowercase letters, digits or dashes' }),
        domains: z.array(hostname),
        environment: z.string().regex(/^[a-z][a-z0-9-]*$/),
      })
      .strict(),
    target: z.enum(['native', 'docker', 'swarm']),
    host: z
      .object({
        cpus: z.number().positive(),
        memory: size,
        nodes: posInt.min(1).meta({ description: 'Hosts in the cluster (large preset)' }),
      })
      .strict()
      .meta({ description: 'The server (or each node) the preset is sized for; limits must fit it' }),
    edge: edgeSchema,
    api: apiSchema,
    workers: workersSchema,
    autoscale: autoscaleSchema.optional(),
    postgres: postgresSchema,
    redis: redisSchema,
    storage: z
      .object({
        kind: z.enum(['local', 's3']).optional().meta({ description: 'Where uploads and results live: local (a folder, the default) or s3 (a bucket; needed when api/workers span several nodes)' }),
        uploads_path: z.string().min(1),
        retention: duration,
        blob_grace: duration,
        s3: s3Schema.optional().meta({ description: 'The bucket when kind is s3' }),
      })
      .strict(),
    monitoring: monitoringSchema,
    backup: backupSchema,
    loadtest: loadtestSchema,
    capacity: capacitySchema.optional(),
    slo: sloSchema.default(DEFAULT_SLO),
    deploy: z
      .object({
        timeout: duration.meta({ description: 'How long a new replica may take to turn ready' }),
        keep_images: posInt.min(1),
        stop_timeout: duration,
      })
      .strict(),
    images: z.object(Object.fromEntries(SERVICE_IMAGES.map((s) => [s, imageRef])) as Record<(typeof SERVICE_IMAGES)[number], typeof imageRef>).strict(),
    secrets: z.record(
      z.string().regex(/^[a-z][a-z0-9_]*$/),
      z.object({ file: z.string().min(1).meta({ description: 'Path to the secret file, relative to the profile' }) }).strict(),
    ),
    checks: z
      .object({
        waive: z
          .array(
            z
              .object({
                id: z.string().min(1),
                reason: z.string().min(3),
                expires: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'expected a date YYYY-MM-DD' }),
              })
              .strict(),
          )
          .default([]),
      })
      .strict(),
  })
  .strict();

export type Profile = z.infer<typeof profileSchema>;
export type Resources = z.infer<typeof resourcesSchema>;
export type PresetName = 'small' | 'medium' | 'large';
