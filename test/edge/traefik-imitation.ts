// NOT Traefik: Traefik cannot be installed on these machines, so the Traefik switch is tested
// against this small local HTTP server that imitates the two behaviours the switch relies on —
// the file provider (re-reads the dynamic config some time after it changes) and the API's
// `GET /api/http/services` answer (servers of each `<name>@file` service, with `serverStatus`
// from real HTTP health checks of the configured path; like Traefik, a new server shows UP until
// its first check fails). The answer's shape follows Traefik v3's API.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { parse } from 'yaml';
import { getFreePort } from '../../lib/net.js';

export interface TraefikImitation {
  apiUrl: string;
  /** How many times the imitation applied a new file (like a provider reload). */
  reloads: number;
  close(): Promise<void>;
}

export async function startTraefikImitation(dynamicFile: string, reloadDelayMs = 300): Promise<TraefikImitation> {
  let applied: Record<string, any> = {};
  let appliedText = '';
  let pendingSince = 0;
  const status: Record<string, string> = {};
  const t: TraefikImitation = { apiUrl: '', reloads: 0, close: async () => {} };
  // Like Traefik at start: the file as it is now is the first configuration.
  if (existsSync(dynamicFile)) {
    appliedText = readFileSync(dynamicFile, 'utf8');
    applied = (parse(appliedText) as Record<string, any>) ?? {};
  }
  const watch = setInterval(() => {
    const text = existsSync(dynamicFile) ? readFileSync(dynamicFile, 'utf8') : '';
    if (text === appliedText) return void (pendingSince = 0);
    if (!pendingSince) return void (pendingSince = Date.now());
    if (Date.now() - pendingSince < reloadDelayMs) return;
    applied = (parse(text) as Record<string, any>) ?? {};
    appliedText = text;
    pendingSince = 0;
    // Traefik reports every server of a freshly built service as UP until its first failed check.
    for (const svc of Object.values<any>(applied.http?.services ?? {})) for (const srv of svc.loadBalancer?.servers ?? []) status[srv.url] ??= 'UP';
    t.reloads++;
  }, 50);
  const check = setInterval(async () => {
    for (const svc of Object.values<any>(applied.http?.services ?? {})) {
      const path = svc.loadBalancer?.healthCheck?.path;
      if (!path) continue;
      for (const s of svc.loadBalancer?.servers ?? []) {
        const ok = await fetch(`${s.url}${path}`, { signal: AbortSignal.timeout(500) }).then((r) => r.ok, () => false);
        status[s.url] = ok ? 'UP' : 'DOWN';
      }
    }
  }, 200);
  const server = http.createServer((req, res) => {
    if (req.url !== '/api/http/services') return void res.writeHead(404).end('404 page not found\n');
    const list = Object.entries<any>(applied.http?.services ?? {}).map(([name, svc]) => {
      const servers: { url: string }[] = svc.loadBalancer?.servers ?? [];
      const checked = Boolean(svc.loadBalancer?.healthCheck);
      return {
        loadBalancer: svc.loadBalancer,
        status: 'enabled',
        usedBy: Object.entries<any>(applied.http?.routers ?? {}).filter(([, r]) => r.service === name).map(([r]) => `${r}@file`),
        ...(checked ? { serverStatus: Object.fromEntries(servers.filter((s) => status[s.url]).map((s) => [s.url, status[s.url]])) } : {}),
        name: `${name}@file`,
        provider: 'file',
        type: 'loadbalancer',
      };
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(list));
  });
  const port = await getFreePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  t.apiUrl = `http://127.0.0.1:${port}`;
  t.close = () =>
    new Promise((r) => {
      clearInterval(watch);
      clearInterval(check);
      server.close(() => r());
    });
  return t;
}
