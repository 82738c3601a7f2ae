// The TLS part of haproxy.cfg, kept apart from the rest of the renderer: the HTTPS bind, the
// protocol floor and ciphers, the HTTP→HTTPS redirect, HSTS and the ACME HTTP-01 answers.
// Pure: profile in, config lines out. Empty when TLS is off (edge.tls.mode off, or no domain).
import { ACME_CHALLENGE_PREFIX, tlsSettings } from '../../plan/tls-settings.js';
import { EDGE_PORTS } from '../../plan/edge-service.js';
import type { StackPlan } from '../../plan/types.js';
import { EDGE_ACME_MAP, EDGE_CERT_DIR, TLS12_CIPHERS, TLS13_CIPHERSUITES } from '../tls-ciphers.js';

export interface HaproxyTlsOptions {
  /** HTTPS listener, `addr:port`. Default: all addresses on the edge's container https port. */
  httpsBind?: string;
  /** Folder of `<domain>.pem` files (chain + key); HAProxy loads every file in it. */
  certDir?: string;
  /** Map file of ACME HTTP-01 tokens (may be empty; prodctl adds entries at run time). */
  acmeMap?: string;
  /** The HTTPS port clients reach (the redirect's target). Default: edge.https_port. */
  httpsPublicPort?: number;
}

/** Lines for the `global` section: the defaults every `bind … ssl` inherits. */
export function renderHaproxyTlsGlobal(plan: StackPlan): string[] {
  if (!tlsSettings(plan.profile).enabled) return [];
  return [
    "  # Mozilla's \"intermediate\" TLS configuration (Server Side TLS 5.7): TLS 1.2 + 1.3, AEAD ciphers.",
    `  ssl-default-bind-ciphers ${TLS12_CIPHERS.join(':')}`,
    `  ssl-default-bind-ciphersuites ${TLS13_CIPHERSUITES.join(':')}`,
    '  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets',
    '  tune.ssl.default-dh-param 2048',
  ];
}

/**
 * Lines for the public frontend. The ACME answer comes first: the challenge path is served over
 * plain HTTP from the map (a 404 for unknown tokens) and never redirected. HSTS only on HTTPS
 * responses (RFC 6797 §7.2: a plain-HTTP response must not carry it).
 */
export function renderHaproxyTlsFrontend(plan: StackPlan, o: HaproxyTlsOptions = {}): string[] {
  const t = tlsSettings(plan.profile);
  if (!t.enabled) return [];
  const map = o.acmeMap ?? EDGE_ACME_MAP;
  const token = `path,field(4,/),map(${map})`;
  const lines = [
    `  bind ${o.httpsBind ?? `:${EDGE_PORTS.https}`} ssl crt ${o.certDir ?? EDGE_CERT_DIR} alpn h2,http/1.1 ssl-min-ver ${t.minVersion}`,
    '  # ACME HTTP-01: prodctl puts each token into the map through the runtime API while a CA validates it.',
    `  acl acme_challenge path_beg ${ACME_CHALLENGE_PREFIX}`,
    `  http-request return status 200 content-type text/plain lf-string "%[${token}]" if acme_challenge { ${token} -m found }`,
    '  http-request deny deny_status 404 if acme_challenge',
  ];
  if (t.httpsRedirect) lines.push(redirectLine(o.httpsPublicPort ?? plan.profile.edge.https_port));
  lines.push(`  http-response set-header Strict-Transport-Security "${t.hstsHeader}" if { ssl_fc }`);
  return lines;
}

/** On 443 the scheme alone changes; on another port the Host header's port must change too. */
function redirectLine(port: number): string {
  if (port === 443) return '  http-request redirect scheme https code 301 unless { ssl_fc }';
  return `  http-request redirect location https://%[req.hdr(host),field(1,:)]:${port}%[capture.req.uri] code 301 unless { ssl_fc }`;
}
