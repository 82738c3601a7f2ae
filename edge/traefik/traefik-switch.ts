// The EdgeSwitch on Traefik's file provider: the server set is written atomically into the dynamic
// config file (temp file + rename, so Traefik never reads half a file), then Traefik's API
// (`/api/http/services`) must show the new set live before anything is drained. Traefik has no
// drain state: a server leaves the set, Traefik stops sending it new requests, in-flight ones end.
// Server names live in a small sidecar file next to the dynamic config, since Traefik keeps URLs only.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { TargetError } from '../../lib/errors.js';
import { isDuration, parseDuration } from '../../profile/units.js';
import { sleep, type EdgeServer, type EdgeSwitch } from '../types.js';
import { findService, routesTo, serverUrl, withServers, type NamedServer } from './dynamic-servers.js';

// Traefik's default health check interval.
const DEFAULT_HEALTH_INTERVAL_MS = 30_000;

export interface TraefikSwitchOptions {
  dynamicFile: string;
  service: string;
  /** Traefik's API, e.g. http://127.0.0.1:8081 */
  apiUrl: string;
  pollMs?: number;
}

function writeAtomically(file: string, content: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export function createTraefikSwitch(o: TraefikSwitchOptions): EdgeSwitch {
  const namesFile = `${o.dynamicFile}.servers.json`;
  const pollMs = o.pollMs ?? 200;
  const readNamed = (): NamedServer[] => (existsSync(namesFile) ? (JSON.parse(readFileSync(namesFile, 'utf8')) as NamedServer[]) : []);
  const writeNamed = (servers: NamedServer[]) => {
    const doc = existsSync(o.dynamicFile) ? ((parse(readFileSync(o.dynamicFile, 'utf8')) as Record<string, unknown>) ?? {}) : {};
    writeAtomically(namesFile, JSON.stringify(servers, null, 2));
    writeAtomically(o.dynamicFile, stringify(withServers(doc, o.service, servers), { lineWidth: 0 }));
  };
  const healthInterval = (): number | null => {
    const doc = existsSync(o.dynamicFile) ? (parse(readFileSync(o.dynamicFile, 'utf8')) as Record<string, any>) : null;
    const hc = doc?.http?.services?.[o.service]?.loadBalancer?.healthCheck;
    if (!hc) return null;
    return typeof hc.interval === 'string' && isDuration(hc.interval) ? parseDuration(hc.interval) : DEFAULT_HEALTH_INTERVAL_MS;
  };
  const liveView = async () => {
    try {
      const res = await fetch(`${o.apiUrl.replace(/\/$/, '')}/api/http/services`, { signal: AbortSignal.timeout(3_000) });
      return res.ok ? findService(await res.json(), o.service) : null;
    } catch {
      return null;
    }
  };
  const waitFor = async (what: string, timeoutMs: number, done: () => Promise<boolean>) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() >= deadline) throw new TargetError(`Traefik's API at ${o.apiUrl} does not show ${what} after ${Math.round(timeoutMs / 1000)} s`, 'check that Traefik watches the dynamic config file and that its API is enabled');
      await sleep(pollMs);
    }
  };
  const byName = (name: string) => {
    const s = readNamed().find((x) => x.name === name);
    if (!s) throw new TargetError(`the edge has no server ${name}`, 'list them with the edge switch first');
    return s;
  };
  return {
    kind: 'traefik',
    async listServers(): Promise<EdgeServer[]> {
      const view = await liveView();
      return readNamed().map((s) => ({
        name: s.name,
        address: s.address,
        state: s.draining ? 'drain' : routesTo(view, serverUrl(s.address)) ? 'up' : view?.servers.includes(serverUrl(s.address)) ? 'down' : 'starting',
      }));
    },
    async addServer(name, address) {
      writeNamed([...readNamed().filter((s) => s.name !== name), { name, address }]);
    },
    async confirmRouting(name, timeoutMs) {
      const url = serverUrl(byName(name).address);
      // Traefik shows a new server UP before its first health check has run, so it must stay UP
      // for longer than one check interval before it counts (no health check: nothing to wait for).
      const settleMs = 1.5 * (healthInterval() ?? 0);
      let upSince = 0;
      await waitFor(`${url} up in ${o.service}@file`, timeoutMs, async () => {
        if (!routesTo(await liveView(), url)) {
          upSince = 0;
          return false;
        }
        upSince ||= Date.now();
        return Date.now() - upSince >= settleMs;
      });
    },
    async drainServer(name) {
      const url = serverUrl(byName(name).address);
      writeNamed(readNamed().map((s) => (s.name === name ? { ...s, draining: true } : s)));
      // Draining is only real once Traefik itself dropped the server from its live set.
      await waitFor(`${url} gone from ${o.service}@file`, 15_000, async () => !(await liveView())?.servers.includes(url));
    },
    async removeServer(name, timeoutMs) {
      if (!readNamed().some((s) => s.name === name)) return;
      const url = serverUrl(byName(name).address);
      writeNamed(readNamed().filter((s) => s.name !== name));
      await waitFor(`${url} gone from ${o.service}@file`, timeoutMs, async () => !(await liveView())?.servers.includes(url));
    },
  };
}
