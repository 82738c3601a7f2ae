// What the profile's edge.tls keys mean for a rendered edge, in one place, so HAProxy and Traefik
// render the same thing: TLS on or off, the redirect, the HSTS header value, the minimum version.
import type { Profile } from '../profile/schema.js';
import { parseDuration } from '../profile/units.js';

export interface TlsSettings {
  /** TLS terminates at the edge: a domain is set and edge.tls.mode is not off. */
  enabled: boolean;
  mode: Profile['edge']['tls']['mode'];
  domains: string[];
  httpsRedirect: boolean;
  /** The whole Strict-Transport-Security value, e.g. `max-age=31536000; includeSubDomains; preload`. */
  hstsHeader: string;
  hstsSeconds: number;
  /** The lowest protocol version the edge accepts (TLS 1.0 and 1.1 are deprecated by RFC 8996). */
  minVersion: 'TLSv1.2';
}

/** Path prefix of ACME HTTP-01 challenges: always served over plain HTTP, never redirected. */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

export function tlsSettings(p: Profile): TlsSettings {
  const t = p.edge.tls;
  const hstsSeconds = Math.floor(parseDuration(t.hsts.max_age) / 1000);
  const hstsHeader = [`max-age=${hstsSeconds}`, ...(t.hsts.include_subdomains ? ['includeSubDomains'] : []), ...(t.hsts.preload ? ['preload'] : [])].join('; ');
  const enabled = t.mode !== 'off' && p.project.domains.length > 0;
  return { enabled, mode: t.mode, domains: p.project.domains, httpsRedirect: enabled && t.https_redirect, hstsHeader, hstsSeconds, minVersion: 'TLSv1.2' };
}
