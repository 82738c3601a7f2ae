// haproxy.cfg for the HAProxy edge on Swarm. Pure. There is no admin socket driving the API
// backend there: HAProxy finds the api tasks itself through Docker's embedded DNS (dnsrr services
// answer `tasks.<service>` with one A record per running task), so scaling and rolling updates
// change the servers without a reload. Everything else is the same file as on the other targets.
import { HAPROXY_API_BACKEND, renderHaproxyConfig } from '../haproxy/render-haproxy.js';
import type { StackPlan } from '../../plan/types.js';

/** Docker's DNS inside every container on a user-defined network. */
export const DOCKER_DNS = '127.0.0.11:53';
/** How often the edge asks Docker's DNS for the api tasks: well inside Swarm's 2 s between a task
 *  leaving DNS and its SIGTERM (moby's defaultGossipConvergeDelay). */
export const SWARM_RESOLVE_INTERVAL_MS = 500;

export function renderHaproxySwarmConfig(plan: StackPlan, o: { maxConnections?: number } = {}): string {
  const api = plan.services.find((s) => s.name === 'api');
  if (!api) return renderHaproxyConfig(plan, o);
  const port = (api.ports.find((p) => p.name === 'http') ?? api.ports[0]).port;
  // Room for every replica plus a rolling update's start-first surplus (and a scale-up or two).
  const slots = Math.max(10, api.replicas * 2 + 2);
  const base = renderHaproxyConfig(plan, o);
  const resolvers = [
    'resolvers docker',
    `  nameserver dns ${DOCKER_DNS}`,
    '  resolve_retries 3',
    // Swarm takes a stopping task out of DNS, waits 2 s for the change to reach every node, and
    // only then sends SIGTERM; from then on the task answers /livez with 503 (draining). The edge
    // must have dropped it within those 2 s: ask every 500 ms and drop an address the moment an
    // answer lacks it (hold obsolete 0s). A task that DNS still lists is kept through short DNS
    // errors (the other holds).
    `  timeout resolve ${SWARM_RESOLVE_INTERVAL_MS}ms`,
    '  timeout retry 500ms',
    '  hold valid 2s',
    '  hold other 2s',
    '  hold refused 2s',
    '  hold nx 2s',
    '  hold timeout 2s',
    '  hold obsolete 0s',
    '  accepted_payload_size 8192',
    '',
  ].join('\n');
  const template = `  server-template ${HAPROXY_API_BACKEND} ${slots} tasks.${api.name}:${port} resolvers docker init-addr none resolve-prefer ipv4\n`;
  const withResolvers = base.replace(/\ndefaults\n/, `\n${resolvers}\ndefaults\n`);
  return withResolvers.replace(new RegExp(`(\\nbackend ${HAPROXY_API_BACKEND}\\n[\\s\\S]*?default-server[^\\n]*\\n)`), `$1${template}`);
}
