// Traefik on Swarm: the static configuration gains the Swarm provider (it reads the api service's
// labels from a manager's engine and routes to the tasks' own addresses, as dnsrr requires), and
// the api service carries the router and load-balancer labels. Pure.
import type { StackPlan } from '../../plan/types.js';
import { buildTraefikStatic } from '../traefik/render-traefik-static.js';
import { API_SERVICE, CERT_RESOLVER, ENTRYPOINTS, MIDDLEWARES } from '../traefik/traefik-names.js';

export const TRAEFIK_SWARM_ENDPOINT = 'unix:///var/run/docker.sock';

export function buildTraefikSwarmStatic(plan: StackPlan): Record<string, unknown> {
  const base = buildTraefikStatic(plan);
  return {
    ...base,
    providers: {
      ...(base.providers as Record<string, unknown>),
      swarm: { endpoint: TRAEFIK_SWARM_ENDPOINT, exposedByDefault: false, network: `${plan.project}_edge`, refreshSeconds: '5s', watch: true },
    },
  };
}

/** Labels on the api Swarm service: its router (same entry points, TLS and middlewares as the file provider's) and port. */
export function buildTraefikSwarmLabels(plan: StackPlan): Record<string, string> {
  const api = plan.services.find((s) => s.name === 'api');
  if (!api) return {};
  const domains = plan.profile.project.domains;
  const tls = domains.length > 0;
  const r = `traefik.http.routers.${API_SERVICE}-swarm`;
  const port = (api.ports.find((p) => p.name === 'http') ?? api.ports[0]).port;
  return {
    'traefik.enable': 'true',
    'traefik.swarm.network': `${plan.project}_edge`,
    // Route to each task's address (there is no virtual IP under dnsrr).
    'traefik.swarm.lbswarm': 'false',
    [`${r}.rule`]: tls ? domains.map((d) => `Host(\`${d}\`)`).join(' || ') : 'PathPrefix(`/`)',
    [`${r}.entrypoints`]: tls ? ENTRYPOINTS.websecure : ENTRYPOINTS.web,
    ...(tls ? { [`${r}.tls.certresolver`]: CERT_RESOLVER } : {}),
    [`${r}.middlewares`]: [MIDDLEWARES.headers, MIDDLEWARES.rateLimit, MIDDLEWARES.retry].map((m) => `${m}@file`).join(','),
    [`${r}.service`]: `${API_SERVICE}-swarm`,
    [`traefik.http.services.${API_SERVICE}-swarm.loadbalancer.server.port`]: String(port),
  };
}
