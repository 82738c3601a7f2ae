// Traefik's dynamic configuration (file provider): the API router with security headers/HSTS,
// rate limit and retry, a health-checked load balancer over the API replicas, and the dashboard
// behind basic auth whose users come from a secret file.
import { stringify } from 'yaml';
import { secretPath, RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import type { RenderedFile } from '../types.js';
import { clientLimits } from '../haproxy/haproxy-client-guards.js';
import { edgeCheckTimings } from '../haproxy/haproxy-health.js';
import { API_SERVICE, CERT_RESOLVER, ENTRYPOINTS, MIDDLEWARES, goDuration } from './traefik-names.js';

function hostRule(domains: string[]): string {
  return domains.map((d) => `Host(\`${d}\`)`).join(' || ');
}

function middlewaresOf(plan: StackPlan): Record<string, unknown> {
  const t = plan.profile.edge.traefik;
  const tls = plan.profile.project.domains.length > 0;
  const headers: Record<string, unknown> = {
    contentTypeNosniff: true,
    // Stored files are served as stored: opened in a browser, they run sandboxed (no scripts,
    // no same origin). The API answers JSON and files only, so every answer carries it.
    contentSecurityPolicy: 'sandbox',
    frameDeny: true,
    browserXssFilter: true,
    referrerPolicy: 'no-referrer',
    customResponseHeaders: { Server: '', 'X-Powered-By': '' },
  };
  if (tls) Object.assign(headers, { stsSeconds: Math.floor(parseDuration(t.hsts.max_age) / 1000), stsIncludeSubdomains: t.hsts.include_subdomains, stsPreload: t.hsts.preload, forceSTSHeader: true });
  const out: Record<string, unknown> = {
    [MIDDLEWARES.headers]: { headers },
    [MIDDLEWARES.rateLimit]: { rateLimit: { average: t.rate_limit.average, burst: t.rate_limit.burst, period: goDuration(t.rate_limit.period) } },
    // Requests in flight per client address (edge.client_limits.connections_per_source).
    [MIDDLEWARES.clientLimits]: { inFlightReq: { amount: clientLimits(plan.profile, Number.MAX_SAFE_INTEGER).connectionsPerSource } },
    [MIDDLEWARES.retry]: { retry: { attempts: t.retry.attempts, initialInterval: goDuration(t.retry.initial_interval) } },
  };
  if (t.dashboard.enabled) out[MIDDLEWARES.dashboardAuth] = { basicAuth: { usersFile: secretPath(t.dashboard.users_secret), removeHeader: true } };
  return out;
}

function routersOf(plan: StackPlan): Record<string, unknown> {
  const domains = plan.profile.project.domains;
  const tls = domains.length > 0;
  const entry = tls ? { entryPoints: [ENTRYPOINTS.websecure], tls: { certResolver: CERT_RESOLVER } } : { entryPoints: [ENTRYPOINTS.web] };
  const hosts = tls ? hostRule(domains) : 'PathPrefix(`/`)';
  const out: Record<string, unknown> = {
    [API_SERVICE]: { rule: hosts, service: API_SERVICE, middlewares: [MIDDLEWARES.headers, MIDDLEWARES.clientLimits, MIDDLEWARES.rateLimit, MIDDLEWARES.retry], ...entry },
  };
  if (plan.profile.edge.traefik.dashboard.enabled) {
    // On the private admin entry point only (not published), and still behind auth.
    out.dashboard = { rule: 'PathPrefix(`/api`) || PathPrefix(`/dashboard`)', service: 'api@internal', middlewares: [MIDDLEWARES.dashboardAuth], entryPoints: [ENTRYPOINTS.admin] };
  }
  return out;
}

function apiServers(plan: StackPlan): { url: string }[] {
  const api = plan.services.find((s) => s.name === 'api');
  const port = plan.profile.api.port;
  // Docker DNS resolves the service name to every replica; the targets rewrite this list on deploys.
  return api ? [{ url: `http://api:${port}` }] : [];
}

/** Liveness, like the HAProxy edge (templates/haproxy/haproxy-health.ts says why). Traefik drops
 *  a server after one failed check, so interval + timeout stays under half of api.drain_window. */
function traefikHealthCheck(plan: StackPlan): { path: string; interval: string; timeout: string } {
  const drainMs = parseDuration(plan.profile.api.drain_window);
  const timeout = Math.max(100, Math.min(2_000, Math.floor(drainMs / 4)));
  const interval = Math.max(100, Math.min(5_000, Math.floor(drainMs / 2) - timeout));
  return { path: edgeCheckTimings(plan.profile).path, interval: goDuration(`${interval}ms`), timeout: goDuration(`${timeout}ms`) };
}

export function buildTraefikDynamic(plan: StackPlan): Record<string, unknown> {
  return {
    http: {
      routers: routersOf(plan),
      middlewares: middlewaresOf(plan),
      services: {
        [API_SERVICE]: {
          loadBalancer: {
            servers: apiServers(plan),
            passHostHeader: true,
            healthCheck: traefikHealthCheck(plan),
          },
        },
      },
    },
    tls: { options: { default: { minVersion: 'VersionTLS12' } } },
  };
}

export function renderTraefikDynamic(plan: StackPlan): RenderedFile {
  return { path: RENDER_PATHS.traefikDynamic, content: `# Traefik dynamic configuration (file provider), rendered by prodctl.\n${stringify(buildTraefikDynamic(plan), { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })}` };
}
