// Edge switching through HAProxy's runtime API (stats socket, level admin) over TCP:
// add → enable health → enable → confirm UP with `show servers state`; drain; maint → delete.
// The API replicas are dynamic servers addressed by container IP (no IPVS/VIP needed).
import net from 'node:net';
import { TargetError } from '../../lib/errors.js';
import { sleep } from './containers.js';

export interface EdgeServer {
  name: string;
  address: string;
  opState: number;
  adminState: number;
}

export interface EdgeSwitch {
  listServers(): Promise<EdgeServer[]>;
  addServer(name: string, address: string, port: number): Promise<void>;
  confirmRouting(name: string, timeoutMs: number): Promise<void>;
  drainServer(name: string): Promise<void>;
  removeServer(name: string, timeoutMs: number): Promise<void>;
}

const OP_RUNNING = 2;

export function runAdminCommand(host: string, port: number, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let out = '';
    const timer = setTimeout(() => sock.destroy(new Error(`HAProxy runtime API at ${host}:${port} did not answer \`${command}\``)), timeoutMs);
    sock.on('connect', () => sock.write(`${command}\n`));
    sock.on('data', (d) => (out += d.toString('utf8')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(new TargetError(`HAProxy runtime API: ${err.message}`, 'check that the edge container runs and its admin port is published'));
    });
  });
}

/** Parses `show servers state <backend>` (format version 1). */
export function parseServersState(text: string): EdgeServer[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  return lines.slice(lines[0]?.trim() === '1' ? 1 : 0).map((l) => {
    const f = l.trim().split(/\s+/);
    return { name: f[3], address: f[4], opState: Number(f[5]), adminState: Number(f[6]) };
  });
}

/** `serverMaxConnections` is the maxconn of added servers (edge.haproxy.server_max_connections). */
export function createHaproxySwitch(admin: { host: string; port: number }, backend: string, serverMaxConnections?: number): EdgeSwitch {
  const run = async (cmd: string): Promise<string> => {
    const out = await runAdminCommand(admin.host, admin.port, cmd);
    // The runtime API answers errors in prose; catch the ones that mean the command did nothing.
    if (/^(No such|Unknown|Require|.*not found|.*cannot|.*invalid)/im.test(out.trim())) {
      throw new TargetError(`HAProxy refused \`${cmd}\`: ${out.trim()}`, 'check the rendered haproxy.cfg backend (dynamic servers need a dynamic balance algorithm)');
    }
    return out;
  };
  const list = async () => parseServersState(await run(`show servers state ${backend}`));
  return {
    listServers: list,
    async addServer(name, address, port) {
      // default-server lines do not apply to dynamic servers, so the check timing is given here.
      const maxconn = serverMaxConnections ? ` maxconn ${serverMaxConnections}` : '';
      await run(`add server ${backend}/${name} ${address}:${port} check inter 1s rise 1 fall 2${maxconn}`);
      await run(`enable health ${backend}/${name}`);
      await run(`enable server ${backend}/${name}`);
    },
    async confirmRouting(name, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const s = (await list()).find((x) => x.name === name);
        if (s && s.opState === OP_RUNNING && s.adminState === 0) return;
        await sleep(200);
      }
      throw new TargetError(`the edge did not route to ${name} within ${Math.round(timeoutMs / 1000)}s`, 'the edge health check to the new replica failed; see the replica log');
    },
    async drainServer(name) {
      await run(`set server ${backend}/${name} state drain`);
    },
    async removeServer(name, timeoutMs) {
      await run(`set server ${backend}/${name} state maint`);
      const deadline = Date.now() + timeoutMs;
      // `del server` refuses while connections remain; give in-flight requests time to finish.
      for (;;) {
        const out = await runAdminCommand(admin.host, admin.port, `del server ${backend}/${name}`);
        if (/deleted|No such server/i.test(out)) return;
        if (Date.now() >= deadline) {
          await runAdminCommand(admin.host, admin.port, `shutdown sessions server ${backend}/${name}`);
          await sleep(100);
          await runAdminCommand(admin.host, admin.port, `del server ${backend}/${name}`);
          return;
        }
        await sleep(200);
      }
    },
  };
}
