// Where `prodctl render` puts each file (relative to the output folder) and where services see
// them. Renderers, targets and checks all use these names, never string literals of their own.
export const RENDER_PATHS = {
  compose: 'compose.yaml',
  traefikStatic: 'traefik/traefik.yml',
  traefikDynamic: 'traefik/dynamic.yml',
  haproxy: 'haproxy/haproxy.cfg',
  postgresConf: 'postgres/postgresql.conf',
  /** Run once by the postgres image on an empty data folder: the service's own role. */
  postgresInitRole: 'postgres/initdb/10-service-role.sh',
  redisConf: 'redis/redis.conf',
  /** Folder: prometheus.yml plus rules/*.yml (observability renderer). */
  prometheusDir: 'prometheus',
  prometheusConfig: 'prometheus/prometheus.yml',
  alertmanagerConfig: 'alertmanager/alertmanager.yml',
  /** Folders: Grafana provisioning (datasources, dashboard providers) and dashboard JSON. */
  grafanaProvisioningDir: 'grafana/provisioning',
  grafanaDashboardsDir: 'grafana/dashboards',
  /** The blackbox exporter's modules (edge probes). */
  blackboxConfig: 'blackbox/blackbox.yml',
} as const;

/** Paths inside the containers. */
export const MOUNT_PATHS = {
  traefikStatic: '/etc/traefik/traefik.yml',
  traefikDynamic: '/etc/traefik/dynamic.yml',
  haproxy: '/usr/local/etc/haproxy/haproxy.cfg',
  postgresConf: '/etc/postgresql/postgresql.conf',
  postgresInitRole: '/docker-entrypoint-initdb.d/10-service-role.sh',
  redisConf: '/usr/local/etc/redis/redis.conf',
  prometheusDir: '/etc/prometheus',
  alertmanagerConfig: '/etc/alertmanager/alertmanager.yml',
  grafanaProvisioningDir: '/etc/grafana/provisioning',
  grafanaDashboardsDir: '/var/lib/grafana/dashboards',
  secretsDir: '/run/secrets',
  blackboxConfig: '/etc/blackbox_exporter/blackbox.yml',
} as const;

export function secretPath(name: string): string {
  return `${MOUNT_PATHS.secretsDir}/${name}`;
}
