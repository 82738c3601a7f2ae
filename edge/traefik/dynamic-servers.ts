// Pure helpers of the Traefik switch: put a server set into a dynamic-config document, and read
// what Traefik's API says it runs (`GET /api/http/services`).
export interface NamedServer {
  name: string;
  /** host:port */
  address: string;
  draining?: boolean;
}

export function serverUrl(address: string): string {
  return `http://${address}`;
}

/** Returns a copy of the dynamic config with http.services.<service>.loadBalancer.servers set to
 *  the routable servers (draining ones are left out: Traefik has no drain, removal is the drain). */
export function withServers(doc: Record<string, any>, service: string, servers: NamedServer[]): Record<string, any> {
  const copy = structuredClone(doc ?? {});
  copy.http ??= {};
  copy.http.services ??= {};
  const svc = (copy.http.services[service] ??= {});
  svc.loadBalancer ??= {};
  svc.loadBalancer.servers = servers.filter((s) => !s.draining).map((s) => ({ url: serverUrl(s.address) }));
  return copy;
}

export interface TraefikServiceView {
  name: string;
  servers: string[];
  /** url → UP | DOWN, present when the service has a health check */
  serverStatus: Record<string, string>;
}

/** Finds `<service>@file` in the API's service list. */
export function findService(apiServices: unknown, service: string): TraefikServiceView | null {
  if (!Array.isArray(apiServices)) return null;
  const s = apiServices.find((x) => x && typeof x === 'object' && (x as { name?: string }).name === `${service}@file`) as Record<string, any> | undefined;
  if (!s) return null;
  const servers = Array.isArray(s.loadBalancer?.servers) ? s.loadBalancer.servers.map((x: { url: string }) => x.url) : [];
  return { name: s.name, servers, serverStatus: s.serverStatus ?? {} };
}

/** Traefik routes to url once it is in the live set and, with a health check, reported UP. */
export function routesTo(view: TraefikServiceView | null, url: string): boolean {
  if (!view || !view.servers.includes(url)) return false;
  const status = view.serverStatus[url];
  return status === undefined || status === 'UP';
}
