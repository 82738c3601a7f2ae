// The TLS parameters both edges share. Mozilla's "intermediate" configuration (Server Side TLS,
// version 5.7, https://wiki.mozilla.org/Security/Server_Side_TLS#Intermediate_compatibility_.28recommended.29):
// TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy, the server does not force its order.

/** OpenSSL names, TLS 1.2 (HAProxy `ssl-default-bind-ciphers`). */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
] as const;

/** TLS 1.3 suites (HAProxy `ssl-default-bind-ciphersuites`). */
export const TLS13_CIPHERSUITES = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'] as const;

/** The same TLS 1.2 list in Go's names (Traefik); Go has no DHE suites. TLS 1.3 suites are not configurable in Go. */
export const TRAEFIK_TLS12_CIPHER_SUITES = [
  'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
];

/** Where the edge containers read certificates (edge.tls.mode files / ACME-issued). */
export const EDGE_CERT_DIR = '/usr/local/etc/haproxy/certs';
/** HTTP-01 tokens → key authorizations, filled through HAProxy's runtime API (`add map`). */
export const EDGE_ACME_MAP = '/usr/local/etc/haproxy/acme-challenges.map';
export const EDGE_CERT_FILES = { cert: '/etc/traefik/certs/tls.crt', key: '/etc/traefik/certs/tls.key' } as const;
