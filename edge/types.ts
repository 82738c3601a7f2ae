// One small switch interface for the edge in front of the API replicas. Targets (native processes,
// Docker containers) roll replicas through it and never talk to HAProxy or Traefik themselves.
// Addresses are plain `host:port` strings so the same switch serves every target.
export type EdgeServerState = 'up' | 'down' | 'starting' | 'drain' | 'maint';

export interface EdgeServer {
  name: string;
  /** host:port */
  address: string;
  state: EdgeServerState;
}

export interface EdgeSwitch {
  readonly kind: 'haproxy' | 'traefik';
  listServers(): Promise<EdgeServer[]>;
  /** Adds a server and asks the edge to start health-checking it. */
  addServer(name: string, address: string): Promise<void>;
  /** Resolves once the edge routes to `name` (its health check passed); throws after timeoutMs. */
  confirmRouting(name: string, timeoutMs: number): Promise<void>;
  /** No new requests go to `name`; resolves once the edge shows it out of rotation and its
   *  requests in flight finished (or after timeoutMs). */
  drainServer(name: string, timeoutMs?: number): Promise<void>;
  /** Takes `name` out for good, waiting up to timeoutMs for its connections to end. */
  removeServer(name: string, timeoutMs: number): Promise<void>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
