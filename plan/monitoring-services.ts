// Prometheus, Alertmanager, Grafana and the three exporters. Only when monitoring is enabled.
import type { Profile } from '../profile/schema.js';
import { HELPER_RESOURCES } from '../profile/cross-rules.js';
import { parseDuration } from '../profile/units.js';
import { toSecretMounts } from './app-services.js';
import { MOUNT_PATHS, RENDER_PATHS, secretPath } from './file-paths.js';
import { httpHealthcheck, volume, wgetTest, type ServiceDraft } from './harden.js';

export const EXPORTER_PORTS = { postgres: 9187, redis: 9121, node: 9100, blackbox: 9115 } as const;
const NOBODY = '65534:65534';
const REDIS_EXPORTER_PASSWORDS = '/tmp/redis-passwords.json';

export function planMonitoring(p: Profile): ServiceDraft[] {
  if (!p.monitoring.enabled) return [];
  return [
    planPrometheus(p),
    planAlertmanager(p),
    ...(p.monitoring.grafana.enabled ? [planGrafana(p)] : []),
    planPostgresExporter(p),
    planRedisExporter(p),
    planNodeExporter(p),
    ...optional(planBlackbox(p)),
  ];
}

/** Prometheus: the rendered config, its TSDB on a volume, retention in its own units. */
function planPrometheus(p: Profile): ServiceDraft {
  const m = p.monitoring;
  return {
    name: 'prometheus',
    role: 'monitoring',
    image: p.images.prometheus,
    command: [
      `--config.file=${MOUNT_PATHS.prometheusDir}/prometheus.yml`,
      '--storage.tsdb.path=/prometheus',
      `--storage.tsdb.retention.time=${retention(m.retention)}`,
      `--web.listen-address=:${m.prometheus_port}`,
      '--web.enable-lifecycle',
    ],
    user: NOBODY,
    resources: m.resources,
    ports: [{ name: 'http', port: m.prometheus_port }],
    healthcheck: httpHealthcheck(wgetTest(m.prometheus_port, '/-/ready'), '/-/ready', m.prometheus_port, 30),
    // edge too: Prometheus scrapes Traefik, which lives only there.
    networks: ['backend', 'edge'],
    volumes: [volume('prometheus-data', '/prometheus')],
    configs: [{ file: RENDER_PATHS.prometheusDir, target: MOUNT_PATHS.prometheusDir }],
    dependsOn: ['alertmanager'],
  };
}

/** Alertmanager: the rendered config, no clustering. */
function planAlertmanager(p: Profile): ServiceDraft {
  const m = p.monitoring;
  return {
    name: 'alertmanager',
    role: 'monitoring',
    image: p.images.alertmanager,
    command: [`--config.file=${MOUNT_PATHS.alertmanagerConfig}`, '--storage.path=/alertmanager', `--web.listen-address=:${m.alertmanager_port}`, '--cluster.listen-address='],
    user: NOBODY,
    resources: HELPER_RESOURCES.alertmanager,
    ports: [{ name: 'http', port: m.alertmanager_port }],
    healthcheck: httpHealthcheck(wgetTest(m.alertmanager_port, '/-/ready'), '/-/ready', m.alertmanager_port, 10),
    // edge too: receivers (webhooks, SMTP) are outside; the backend network is internal.
    networks: ['backend', 'edge'],
    volumes: [volume('alertmanager-data', '/alertmanager')],
    configs: [{ file: RENDER_PATHS.alertmanagerConfig, target: MOUNT_PATHS.alertmanagerConfig }],
  };
}

/** Grafana: provisioning and dashboards from the rendered files, the admin password from its secret. */
function planGrafana(p: Profile): ServiceDraft {
  const m = p.monitoring;
  return {
    name: 'grafana',
    role: 'monitoring',
    image: p.images.grafana,
    command: [],
    // uid of the grafana account in the official image
    user: '472:0',
    resources: HELPER_RESOURCES.grafana,
    env: {
      GF_SECURITY_ADMIN_PASSWORD__FILE: secretPath(m.grafana.admin_password_secret),
      GF_SERVER_HTTP_PORT: String(m.grafana.port),
      GF_PATHS_PROVISIONING: MOUNT_PATHS.grafanaProvisioningDir,
      GF_ANALYTICS_REPORTING_ENABLED: 'false',
      GF_ANALYTICS_CHECK_FOR_UPDATES: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
    },
    secrets: toSecretMounts([m.grafana.admin_password_secret]),
    ports: [{ name: 'http', port: m.grafana.port }],
    healthcheck: httpHealthcheck(wgetTest(m.grafana.port, '/api/health'), '/api/health', m.grafana.port, 30),
    networks: ['backend'],
    volumes: [volume('grafana-data', '/var/lib/grafana')],
    configs: [
      { file: RENDER_PATHS.grafanaProvisioningDir, target: MOUNT_PATHS.grafanaProvisioningDir },
      { file: RENDER_PATHS.grafanaDashboardsDir, target: MOUNT_PATHS.grafanaDashboardsDir },
    ],
    dependsOn: ['prometheus'],
  };
}

/** The Postgres exporter: the app role's password from its secret file. */
function planPostgresExporter(p: Profile): ServiceDraft {
  return {
    name: 'postgres-exporter',
    role: 'monitoring',
    image: p.images.postgres_exporter,
    command: [`--web.listen-address=:${EXPORTER_PORTS.postgres}`],
    user: NOBODY,
    resources: HELPER_RESOURCES.exporter,
    env: {
      DATA_SOURCE_URI: `postgres:${p.postgres.port}/${p.postgres.database}?sslmode=disable`,
      DATA_SOURCE_USER: p.postgres.user,
      DATA_SOURCE_PASS_FILE: secretPath(p.postgres.password_secret),
    },
    secrets: toSecretMounts([p.postgres.password_secret]),
    ports: [{ name: 'metrics', port: EXPORTER_PORTS.postgres }],
    healthcheck: httpHealthcheck(wgetTest(EXPORTER_PORTS.postgres, '/metrics'), '/metrics', EXPORTER_PORTS.postgres),
    dependsOn: ['postgres'],
  };
}

/** The Redis exporter: its password map is written from the secret at start. */
function planRedisExporter(p: Profile): ServiceDraft {
  const redisAddr = `redis://redis:${p.redis.port}`;
  return {
    name: 'redis-exporter',
    role: 'monitoring',
    image: p.images.redis_exporter,
    // redis_exporter's --redis.password-file is a JSON map of address → password, not the plain
    // secret: a shell writes that map (0600, on the /tmp tmpfs) from the secret at start, with
    // builtins only, so the password is in no command line and no environment.
    entrypoint: ['/bin/sh', '-c'],
    command: [
      `umask 077 && printf '{"%s":"%s"}' '${redisAddr}' "$(sed 's/[\\\\"]/\\\\&/g' ${secretPath(p.redis.password_secret)})" > ${REDIS_EXPORTER_PASSWORDS} && exec /redis_exporter --web.listen-address=:${EXPORTER_PORTS.redis} --redis.addr=${redisAddr} --redis.password-file=${REDIS_EXPORTER_PASSWORDS}`,
    ],
    user: NOBODY,
    resources: HELPER_RESOURCES.exporter,
    secrets: toSecretMounts([p.redis.password_secret]),
    ports: [{ name: 'metrics', port: EXPORTER_PORTS.redis }],
    // The exporter's image has no wget: the binary itself is the probe.
    healthcheck: { test: ['CMD', '/redis_exporter', '--version'], httpPath: '/health', httpPort: EXPORTER_PORTS.redis, intervalSeconds: 30, timeoutSeconds: 3, retries: 3, startPeriodSeconds: 5 },
    dependsOn: ['redis'],
  };
}

/** The node exporter: the host read-only, and the textfile folder where backups write their gauges. */
function planNodeExporter(p: Profile): ServiceDraft {
  return {
    name: 'node-exporter',
    role: 'monitoring',
    image: p.images.node_exporter,
    command: [`--web.listen-address=:${EXPORTER_PORTS.node}`, '--path.rootfs=/host', '--collector.textfile.directory=/textfile'],
    user: NOBODY,
    resources: HELPER_RESOURCES.exporter,
    ports: [{ name: 'metrics', port: EXPORTER_PORTS.node }],
    healthcheck: httpHealthcheck(wgetTest(EXPORTER_PORTS.node, '/metrics'), '/metrics', EXPORTER_PORTS.node),
    volumes: [
      { kind: 'bind', source: '/', target: '/host', readOnly: true },
      // Backup writes its last-success/verify gauges here (textfile collector).
      volume('node-textfile', '/textfile', true),
    ],
  };
}

/** The blackbox exporter probes the edge from outside (slo.probes): on the edge network, like a client. */
function planBlackbox(p: Profile): ServiceDraft | null {
  const pr = p.slo.probes;
  if (!pr.enabled) return null;
  return {
    name: 'blackbox-exporter',
    role: 'monitoring',
    image: pr.image,
    command: [`--config.file=${MOUNT_PATHS.blackboxConfig}`, `--web.listen-address=:${EXPORTER_PORTS.blackbox}`],
    user: NOBODY,
    resources: HELPER_RESOURCES.exporter,
    secrets: pr.api_key_secret ? toSecretMounts([pr.api_key_secret]) : [],
    ports: [{ name: 'metrics', port: EXPORTER_PORTS.blackbox }],
    healthcheck: httpHealthcheck(wgetTest(EXPORTER_PORTS.blackbox, '/-/healthy'), '/-/healthy', EXPORTER_PORTS.blackbox),
    // backend: Prometheus asks it to probe; edge: it reaches the edge the way clients do.
    networks: ['backend', 'edge'],
    configs: [{ file: RENDER_PATHS.blackboxConfig, target: MOUNT_PATHS.blackboxConfig }],
    dependsOn: ['edge'],
  };
}

function optional<T>(x: T | null): T[] {
  return x ? [x] : [];
}

/** Prometheus wants its retention in its own units (d/h/m/s/w/y, no ms). */
function retention(d: string): string {
  const ms = parseDuration(d);
  return ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : `${Math.max(1, Math.round(ms / 3_600_000))}h`;
}
