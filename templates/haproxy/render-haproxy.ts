// haproxy/haproxy.cfg: the HAProxy edge in front of the API replicas. Pure: plan in, file out.
// API servers are normally added and removed at run time through the admin socket (edge/haproxy);
// `servers` lists the ones to start with, so a restarted HAProxy routes to the current set at once.
import { METRICS_PATH } from '../../contract/index.js';
import { EDGE_PORTS } from '../../plan/edge-service.js';
import { RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import type { RenderedFile } from '../types.js';
import { clientLimits, haproxyClientGuardLines, haproxyErrorLines, haproxyResponseHeaderLines } from './haproxy-client-guards.js';
import { edgeCheckTimings, haproxyCheckArgs } from './haproxy-health.js';
import { renderHaproxyTlsFrontend, renderHaproxyTlsGlobal, type HaproxyTlsOptions } from './render-haproxy-tls.js';

export const HAPROXY_API_BACKEND = 'api';
/** Admin socket inside the container (a tmpfs at /run/haproxy in the plan). */
export const HAPROXY_CONTAINER_SOCKET = '/run/haproxy/admin.sock';

export interface HaproxyServer {
  name: string;
  /** host:port */
  address: string;
}

export interface HaproxyRenderOptions extends HaproxyTlsOptions {
  /** Public listener, `addr:port`. Default: all addresses on the edge's container http port. */
  bind?: string;
  /** Unix path of the admin socket. */
  adminSocket?: string;
  /** Also expose the runtime API on TCP (`addr:port`), e.g. published on the engine host's loopback. */
  adminTcp?: string;
  /** Internal listener for /metrics and /healthz: never published. Default: all container
   *  addresses on the metrics port; loopback for a native plan. */
  metricsBind?: string;
  servers?: HaproxyServer[];
  /** Lower than the profile's max_connections when the host's file limit is lower (HAProxy refuses to start otherwise). */
  maxConnections?: number;
}

export function renderHaproxy(plan: StackPlan, o: HaproxyRenderOptions = {}): RenderedFile[] {
  return [{ path: RENDER_PATHS.haproxy, content: renderHaproxyConfig(plan, o) }];
}

/** HAProxy wants durations with a unit; ms is exact for every profile value. */
function ms(duration: string): string {
  return `${parseDuration(duration)}ms`;
}

/** Containers: every address of the container (the port is never published, only the internal
 *  network reaches it). Native: the host's own interfaces, so loopback only. */
function defaultMetricsBind(plan: StackPlan): string {
  return plan.target === 'native' ? `127.0.0.1:${EDGE_PORTS.metrics}` : `:${EDGE_PORTS.metrics}`;
}

export function renderHaproxyConfig(plan: StackPlan, o: HaproxyRenderOptions = {}): string {
  const h = plan.profile.edge.haproxy;
  const maxconn = Math.min(h.max_connections, o.maxConnections ?? h.max_connections);
  const health = edgeCheckTimings(plan.profile);
  const limits = clientLimits(plan.profile, maxconn);
  const serverTimeout = ms(h.timeout_server);
  const sockets = [`  stats socket ${o.adminSocket ?? HAPROXY_CONTAINER_SOCKET} mode 600 level admin`];
  if (o.adminTcp) sockets.push(`  stats socket ipv4@${o.adminTcp} level admin`);
  const servers = (o.servers ?? []).map((s) => `  server ${s.name} ${s.address}`);
  // TLS (render-haproxy-tls.ts): no lines at all when edge.tls is off or there is no domain.
  const tlsGlobal = renderHaproxyTlsGlobal(plan).map((l) => `${l}\n`).join('');
  // Its bind comes with the other binds; its challenge and redirect rules after the client guards,
  // whose tcp-request rules HAProxy runs before any http-request rule anyway.
  const tlsLines = renderHaproxyTlsFrontend(plan, o);
  const tlsBind = tlsLines.filter((l) => l.startsWith('  bind ')).map((l) => `${l}\n`).join('');
  const tlsRules = tlsLines.filter((l) => !l.startsWith('  bind ')).map((l) => `${l}\n`).join('');
  return `# HAProxy edge for ${plan.project}. Rendered by prodctl from the profile; edit the profile, not this file.
# API servers come and go through the admin socket (prodctl deploy); see docs/native.md.
global
  maxconn ${maxconn}
${sockets.join('\n')}
  stats timeout 30s
  log stdout format raw local0 info
${tlsGlobal}
defaults
  mode http
  log global
  option httplog
  option dontlognull
  option http-keep-alive
  timeout connect ${ms(h.timeout_connect)}
  timeout client ${ms(h.timeout_client)}
  timeout server ${serverTimeout}
  timeout http-request ${limits.requestTimeoutMs}ms
  timeout http-keep-alive 10s
  timeout queue ${serverTimeout}
  # A replica that goes away between health checks must not cost a client request: retry the
  # request on another server (replayable requests only, HAProxy buffers them for this).
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
${haproxyErrorLines().join('\n')}

frontend public
  bind ${o.bind ?? `:${EDGE_PORTS.http}`}
${tlsBind}  maxconn ${maxconn}
${haproxyClientGuardLines(limits).join('\n')}
${tlsRules}  option forwardfor
  http-request set-header X-Forwarded-Proto https if { ssl_fc }
  http-request set-header X-Forwarded-Proto http unless { ssl_fc }
${haproxyResponseHeaderLines().join('\n')}
  default_backend ${HAPROXY_API_BACKEND}

# Internal only (never published): Prometheus scrapes ${METRICS_PATH}; /healthz answers while HAProxy runs.
frontend internal
  bind ${o.metricsBind ?? defaultMetricsBind(plan)}
  monitor-uri /healthz
  http-request use-service prometheus-exporter if { path ${METRICS_PATH} }
  http-request deny deny_status 404

backend ${HAPROXY_API_BACKEND}
  balance roundrobin
  # Liveness, with timings from api.drain_window: see haproxy-health.ts for why.
  option httpchk GET ${health.path}
  http-check expect status 200
  timeout check ${health.readTimeoutMs}ms
  # At most server_max_connections per replica: a burst waits in HAProxy's queue (FIFO, bounded
  # by timeout queue) instead of a SYN flood that overflows the replica's accept backlog, where
  # dropped SYNs cost clients 1, 3 and 7 s retransmits. Dynamic servers (added at run time) take
  # their check and maxconn settings from the add command instead.
  default-server ${haproxyCheckArgs(health)} maxconn ${h.server_max_connections}
${servers.join('\n')}
`;
}
