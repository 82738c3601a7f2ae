// Traefik's static configuration: entry points on the edge's unprivileged container ports, HTTP→HTTPS
// on the web entry point, ACME, the file provider, Prometheus metrics and ping on private entry
// points (not published), JSON logs and access logs without request headers (they carry API keys).
import { stringify } from 'yaml';
import { EDGE_PORTS } from '../../plan/edge-service.js';
import { MOUNT_PATHS, RENDER_PATHS } from '../../plan/file-paths.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import { CERT_RESOLVER, ENTRYPOINTS, goDuration } from './traefik-names.js';

export function buildTraefikStatic(plan: StackPlan): Record<string, unknown> {
  const t = plan.profile.edge.traefik;
  const tls = tlsSettings(plan.profile);
  const acmeKeys = plan.profile.edge.tls.acme;
  // A whole request, body included, must arrive within api.request_timeout (Traefik's default is 60 s):
  // slow bodies hold a connection no longer than the API would wait for them.
  const transport = { respondingTimeouts: { readTimeout: goDuration(plan.profile.api.request_timeout) } };
  const web: Record<string, unknown> = { address: `:${EDGE_PORTS.http}`, transport };
  if (tls.httpsRedirect) web.http = { redirections: { entryPoint: { to: ENTRYPOINTS.websecure, scheme: 'https', permanent: true } } };
  const websecure: Record<string, unknown> = { address: `:${EDGE_PORTS.https}`, transport };
  // mode files: the certificate comes from dynamic.yml's tls.certificates; no resolver.
  const acmeOn = tls.enabled && tls.mode === 'acme';
  if (acmeOn) websecure.http = { tls: { certResolver: CERT_RESOLVER } };
  else if (tls.enabled) websecure.http = { tls: {} };
  const acme = { email: acmeKeys.email, storage: '/acme/acme.json', tlsChallenge: {}, caServer: acmeKeys.directory };
  return {
    global: { checkNewVersion: false, sendAnonymousUsage: false },
    entryPoints: {
      [ENTRYPOINTS.web]: web,
      [ENTRYPOINTS.websecure]: websecure,
      [ENTRYPOINTS.admin]: { address: `:${EDGE_PORTS.admin}` },
      [ENTRYPOINTS.metrics]: { address: `:${EDGE_PORTS.metrics}` },
    },
    // The dashboard is reached only through a router with basic auth (dynamic.yml), never insecure.
    api: { dashboard: t.dashboard.enabled, insecure: false },
    ping: { entryPoint: ENTRYPOINTS.admin },
    metrics: { prometheus: { entryPoint: ENTRYPOINTS.metrics, addEntryPointsLabels: true, addRoutersLabels: true, addServicesLabels: true } },
    ...(acmeOn ? { certificatesResolvers: { [CERT_RESOLVER]: { acme } } } : {}),
    providers: { file: { filename: MOUNT_PATHS.traefikDynamic, watch: true } },
    log: { level: 'INFO', format: 'json' },
    // RequestPath carries the query string (a credential put in a URL would be logged); the API's
    // own request log names the route instead.
    accessLog: { format: 'json', bufferingSize: 100, fields: { defaultMode: 'keep', names: { RequestPath: 'drop' }, headers: { defaultMode: 'drop' } } },
  };
}

export function renderTraefikStatic(plan: StackPlan): RenderedFile {
  return { path: RENDER_PATHS.traefikStatic, content: `# Traefik static configuration, rendered by prodctl. Do not edit.\n${stringify(buildTraefikStatic(plan), { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false })}` };
}
