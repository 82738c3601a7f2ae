// Names shared by the Traefik static and dynamic files (entry points, resolver, middlewares), and
// Go-style durations, which is what Traefik parses (profile durations may use days).
import { parseDuration } from '../../profile/units.js';

export const ENTRYPOINTS = { web: 'web', websecure: 'websecure', admin: 'traefik', metrics: 'metrics' } as const;
export const CERT_RESOLVER = 'letsencrypt';
export const MIDDLEWARES = { headers: 'security-headers', rateLimit: 'rate-limit', retry: 'retry', dashboardAuth: 'dashboard-auth', clientLimits: 'client-limits' } as const;
export const API_SERVICE = 'api';

/** `30s`, `250ms`: whole seconds when exact, else milliseconds. */
export function goDuration(profileDuration: string): string {
  const ms = parseDuration(profileDuration);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
