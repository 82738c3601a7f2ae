// The HAProxy edge's guards against slow, greedy and oversized clients, its own error answers in
// the API's JSON shape, and the headers of downloads. Pure: profile in, config lines out; the
// renderer places each block in its section (render-haproxy.ts).
import type { Profile } from '../../profile/schema.js';
import { parseDuration, parseSize } from '../../profile/units.js';

export interface ClientLimits {
  connectionsPerSource: number;
  requestsPerSourcePer10s: number;
  /** Whole request, headers and body, for routes that are not uploads. */
  requestTimeoutMs: number;
  maxUploadBytes: number;
}

export const CLIENT_LIMIT_DEFAULTS = { connections_per_source: 100, requests_per_source_per_10s: 100000, request_timeout: '10s' } as const;

/** Defaults for what the profile leaves out; one source never gets more than half the edge's connections. */
export function clientLimits(profile: Pick<Profile, 'api' | 'edge'>, maxconn: number): ClientLimits {
  const c = { ...CLIENT_LIMIT_DEFAULTS, ...(profile.edge.client_limits ?? {}) };
  return {
    connectionsPerSource: Math.max(1, Math.min(c.connections_per_source, Math.floor(maxconn / 2))),
    requestsPerSourcePer10s: c.requests_per_source_per_10s,
    requestTimeoutMs: parseDuration(c.request_timeout),
    maxUploadBytes: parseSize(profile.api.max_upload_size),
  };
}

/** One error answer as the API writes it (runtime/api/errors.ts): `{ error, message }`. */
function jsonBody(error: string, message: string): string {
  return `'${JSON.stringify({ error, message })}'`;
}

const RETRY_AFTER_S = 2;

/** `http-error` lines for the answers HAProxy makes itself, so no client ever gets its HTML pages. */
export function haproxyErrorLines(): string[] {
  const retry = `hdr retry-after ${RETRY_AFTER_S}`;
  const rows: [number, string, string, string][] = [
    [400, 'bad_request', 'malformed request', ''],
    [403, 'forbidden', 'request refused', ''],
    [408, 'request_timeout', 'the request was not received in time', ''],
    [500, 'internal', 'internal error', ''],
    [502, 'unavailable', 'the service is unavailable; retry shortly', retry],
    [503, 'unavailable', 'the service is unavailable; retry shortly', retry],
    [504, 'unavailable', 'the service did not answer in time; retry shortly', retry],
  ];
  return [
    '  # Errors HAProxy answers itself, in the API\'s JSON error shape (never an HTML page);',
    '  # the unavailable ones carry Retry-After like the API\'s own 503s.',
    ...rows.map(([s, e, m, h]) => `  http-error status ${s} content-type application/json string ${jsonBody(e, m)}${h ? ` ${h}` : ''}`),
  ];
}

/** Frontend lines: per-source limits, complete-request timeout, early 413. (An early error answer
 *  from the API ends the connection at the API, which says `Connection: close`: HAProxy passes
 *  the answer on and closes the client's connection, so the rest of the body is never read.) */
export function haproxyClientGuardLines(l: ClientLimits): string[] {
  const close = 'hdr connection close';
  return [
    '  # Slow and greedy clients. Per source: at most connectionsPerSource open connections and',
    '  # requestsPerSourcePer10s requests per 10 s. Every request, body included, must arrive',
    '  # within the request timeout before it reaches a replica (wait-for-body waits for the body or',
    '  # one full buffer, so an upload goes on once its first buffer is in; the API bounds a whole',
    '  # upload by api.request_timeout).',
    '  stick-table type ipv6 size 100k expire 60s store conn_cur,http_req_rate(10s)',
    '  tcp-request connection track-sc0 src',
    `  tcp-request connection reject if { sc_conn_cur(0) gt ${l.connectionsPerSource} }`,
    `  http-request deny deny_status 429 content-type application/json string ${jsonBody('rate_limited', 'too many requests from this address; retry shortly')} hdr retry-after 10 ${close} if { sc_http_req_rate(0) gt ${l.requestsPerSourcePer10s} }`,
    '  # A declared body over the upload limit is refused before a byte of it is read.',
    `  http-request deny deny_status 413 content-type application/json string ${jsonBody('too_large', `request body exceeds the limit of ${l.maxUploadBytes} bytes`)} ${close} if ${oversizeCondition(l.maxUploadBytes)}`,
    '  # Then the body (or its first buffer) must arrive within the request timeout; refused requests',
    '  # above never wait for it, and a client that asked with Expect: 100-continue sends nothing.',
    `  http-request wait-for-body time ${l.requestTimeoutMs}ms`,
  ];
}

/** hdr_val is a 32-bit integer in HAProxy 2.6 (10 GiB wraps to a small number), so a declared
 *  length with more digits than the limit is refused by its digit count. */
function oversizeCondition(max: number): string {
  const longer = `{ req.hdr(content-length) -m reg ^[0-9]{${String(max).length + 1},}$ }`;
  return max < 2 ** 31 ? `{ req.hdr_val(content-length) gt ${max} } || ${longer}` : longer;
}

export const DOWNLOAD_PATH_PREFIX = '/v1/files/';

/** Frontend lines: no content sniffing anywhere, downloads sandboxed, no query strings in the log. */
export function haproxyResponseHeaderLines(): string[] {
  return [
    '  # Stored files are served as stored: never sniffed into HTML, and sandboxed if opened.',
    `  http-request set-var(txn.download) bool(true) if METH_GET { path_beg ${DOWNLOAD_PATH_PREFIX} }`,
    '  http-after-response set-header X-Content-Type-Options nosniff',
    '  http-after-response set-header Content-Security-Policy sandbox if { var(txn.download) -m bool }',
    '  # httplog without the query string: a credential put in a URL never reaches the log.',
    '  log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}HM %{+Q}HPO %{+Q}HV"',
  ];
}
