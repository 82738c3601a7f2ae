// The edge: the only service with published ports. Traefik (docker/swarm) or HAProxy (native,
// and an option everywhere). It listens on unprivileged ports inside, so it runs without root
// or NET_BIND_SERVICE; the host ports come from the profile.
import type { Profile } from '../profile/schema.js';
import { toSecretMounts } from './app-services.js';
import { MOUNT_PATHS, RENDER_PATHS } from './file-paths.js';
import { httpHealthcheck, tmpfs, volume, type ServiceDraft } from './harden.js';

export const EDGE_PORTS = { http: 8080, https: 8443, admin: 8081, metrics: 8082 } as const;
const DEFAULT_HAPROXY_IMAGE = 'haproxy:2.6-bookworm';

export function planEdge(p: Profile): ServiceDraft {
  const e = p.edge;
  const published = [
    { port: EDGE_PORTS.http, hostPort: e.http_port, hostIp: e.bind },
    { port: EDGE_PORTS.https, hostPort: e.https_port, hostIp: e.bind },
  ];
  const ports = [
    { name: 'http', port: EDGE_PORTS.http },
    { name: 'https', port: EDGE_PORTS.https },
    { name: 'admin', port: EDGE_PORTS.admin },
    { name: 'metrics', port: EDGE_PORTS.metrics },
  ];
  const common = { name: 'edge' as const, role: 'edge' as const, user: '65534:65534', resources: e.resources, ports, published, networks: ['edge'], dependsOn: ['api' as const] };
  if (e.kind === 'haproxy') {
    return {
      ...common,
      // The preset's edge image is Traefik's; HAProxy needs its own unless the user pinned one.
      image: e.kind === 'haproxy' && p.images.edge.startsWith('traefik') ? DEFAULT_HAPROXY_IMAGE : p.images.edge,
      command: ['haproxy', '-W', '-db', '-f', MOUNT_PATHS.haproxy],
      healthcheck: httpHealthcheck(['CMD', 'haproxy', '-c', '-f', MOUNT_PATHS.haproxy], '/healthz', EDGE_PORTS.admin, 5),
      volumes: [tmpfs('/run/haproxy')],
      configs: [{ file: RENDER_PATHS.haproxy, target: MOUNT_PATHS.haproxy }],
    };
  }
  const dash = e.traefik.dashboard;
  return {
    ...common,
    image: p.images.edge,
    command: ['traefik', `--configFile=${MOUNT_PATHS.traefikStatic}`],
    secrets: dash.enabled ? toSecretMounts([dash.users_secret]) : [],
    healthcheck: httpHealthcheck(['CMD', 'traefik', 'healthcheck', `--configFile=${MOUNT_PATHS.traefikStatic}`], '/ping', EDGE_PORTS.admin, 5),
    volumes: [volume('acme', '/acme')],
    configs: [
      { file: RENDER_PATHS.traefikStatic, target: MOUNT_PATHS.traefikStatic },
      { file: RENDER_PATHS.traefikDynamic, target: MOUNT_PATHS.traefikDynamic },
    ],
  };
}
