// The EdgeSwitch on HAProxy's runtime API: add → enable health → enable, confirmed with
// `show servers state`; drain with `set server … state drain`; maint → `del server`.
import { TargetError } from '../../lib/errors.js';
import { sleep, type EdgeSwitch } from '../types.js';
import { currentSessions, runAdminCommand } from './runtime-api.js';
import { isRouting, parseServersState, toEdgeServer } from './servers-state.js';

export interface HaproxySwitchOptions {
  /** Admin socket path or host:port. */
  endpoint: string;
  backend: string;
  /** Health check interval of added servers (dynamic servers ignore default-server lines). */
  checkInterval?: string;
  /** The whole check of added servers, e.g. `check inter 500ms fall 2 rise 1`, as rendered
   *  (templates/haproxy/haproxy-health.ts); wins over checkInterval. */
  checkArgs?: string;
  /** maxconn of added servers (edge.haproxy.server_max_connections); see render-haproxy.ts. */
  serverMaxConnections?: number;
}

// The runtime API answers errors in prose with no status code; these mean the command did nothing.
const REFUSED = /^(No such|Unknown|Require|Can't|Cannot|.*not found|.*invalid|.*cannot|.*unknown keyword|.*error)/im;

export function createHaproxySwitch(o: HaproxySwitchOptions): EdgeSwitch {
  const run = async (cmd: string): Promise<string> => {
    const out = await runAdminCommand(o.endpoint, cmd);
    if (REFUSED.test(out.trim())) {
      throw new TargetError(`HAProxy refused \`${cmd}\`: ${out.trim()}`, 'check the rendered haproxy.cfg backend (dynamic servers need a dynamic balance algorithm such as roundrobin)');
    }
    return out;
  };
  const states = async () => parseServersState(await run(`show servers state ${o.backend}`));
  const server = (name: string) => `${o.backend}/${name}`;
  return {
    kind: 'haproxy',
    listServers: async () => (await states()).map(toEdgeServer),
    async addServer(name, address) {
      const maxconn = o.serverMaxConnections ? ` maxconn ${o.serverMaxConnections}` : '';
      await run(`add server ${server(name)} ${address} ${o.checkArgs ?? `check inter ${o.checkInterval ?? '1s'} rise 1 fall 2`}${maxconn}`);
      await run(`enable health ${server(name)}`);
      await run(`enable server ${server(name)}`);
    },
    async confirmRouting(name, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = (await states()).find((x) => x.name === name);
        if (s && isRouting(s)) return;
        if (Date.now() >= deadline) {
          throw new TargetError(`the edge does not route to ${name} after ${Math.round(timeoutMs / 1000)} s (${s ? `state ${toEdgeServer(s).state}` : 'no such server'})`, "the edge's health check of the new replica fails; see the replica's log");
        }
        await sleep(150);
      }
    },
    async drainServer(name, timeoutMs = 10_000) {
      await run(`set server ${server(name)} state drain`);
      // Out of rotation once HAProxy shows it drained and its requests in flight are done.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = (await states()).find((x) => x.name === name);
        const busy = s ? await currentSessions(o.endpoint, o.backend, name) : 0;
        if (!s || (toEdgeServer(s).state === 'drain' && busy === 0) || Date.now() >= deadline) return;
        await sleep(100);
      }
    },
    async removeServer(name, timeoutMs) {
      if (!(await states()).some((s) => s.name === name)) return;
      await run(`set server ${server(name)} state maint`);
      const deadline = Date.now() + timeoutMs;
      // `del server` refuses while connections remain: give in-flight requests their time.
      for (;;) {
        const out = await runAdminCommand(o.endpoint, `del server ${server(name)}`);
        if (/deleted|No such server/i.test(out)) return;
        if (Date.now() >= deadline) {
          await runAdminCommand(o.endpoint, `shutdown sessions server ${server(name)}`);
          await sleep(100);
          await run(`del server ${server(name)}`);
          return;
        }
        await sleep(200);
      }
    },
  };
}
