// Traefik's dynamic configuration (file provider): the API router with security headers/HSTS,
// rate limit and retry, a health-checked load balancer over the API replicas, and the dashboard
// behind basic auth whose users come from a secret file.
import { stringify } from 'yaml';
import { secretPath, RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import { EDGE_CERT_FILES, TRAEFIK_TLS12_CIPHER_SUITES } from '../tls-ciphers.js';
import type { RenderedFile } from '../types.js';
import { clientLimits } from '../haproxy/haproxy-client-guards.js';
import { edgeCheckTimings } from '../haproxy/haproxy-health.js';
import { API_SERVICE, CERT_RESOLVER, ENTRYPOINTS, MIDDLEWARES, goDuration } from './traefik-names.js';

function hostRule(domains: string[]): string {
  return domains.map((d) => `Host(\`${d}\`)`).join(' || ');
}

function middlewaresOf(plan: StackPlan): Record<string, unknown> {
  const t = plan.profile.edge.traefik;
  const tls = tlsSettings(plan.profile);
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
  const hsts = plan.profile.edge.tls.hsts;
  if (tls.enabled) Object.assign(headers, { stsSeconds: tls.hstsSeconds, stsIncludeSubdomains: hsts.include_subdomains, stsPreload: hsts.preload, forceSTSHeader: true });
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
  const tls = tlsSettings(plan.profile);
  const routerTls = tls.mode === 'acme' ? { certResolver: CERT_RESOLVER } : {};
  const entry = tls.enabled ? { entryPoints: [ENTRYPOINTS.websecure], tls: routerTls } : { entryPoints: [ENTRYPOINTS.web] };
  const hosts = domains.length > 0 ? hostRule(domains) : 'PathPrefix(`/`)';
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

/** The same protocol floor and ciphers as HAProxy (tls-ciphers.ts); mode files adds the certificate pair. */
function traefikTls(plan: StackPlan): Record<string, unknown> {
  const out: Record<string, unknown> = { options: { default: { minVersion: 'VersionTLS12', cipherSuites: TRAEFIK_TLS12_CIPHER_SUITES } } };
  if (tlsSettings(plan.profile).enabled && plan.profile.edge.tls.mode === 'files') out.certificates = [{ certFile: EDGE_CERT_FILES.cert, keyFile: EDGE_CERT_FILES.key }];
  return out;
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
    tls: traefikTls(plan),
  };
}

export function renderTraefikDynamic(plan: StackPlan): RenderedFile {
  return { path: RENDER_PATHS.traefikDynamic, content: `# Traefik dynamic configuration (file provider), rendered by prodctl.\n${stringify(buildTraefikDynamic(plan), { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })}` };
}
