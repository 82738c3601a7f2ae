// Adapter: one command to HAProxy's runtime API (the `stats socket ... level admin`), over a unix
// socket path or TCP `host:port` (how the Docker target publishes it on the engine host's loopback).
import net from 'node:net';
import { TargetError } from '../../lib/errors.js';

/** `/run/haproxy/admin.sock`, `unix:/path`, `127.0.0.1:9999` or `ipv4@127.0.0.1:9999`. */
export function parseAdminEndpoint(endpoint: string): { path: string } | { host: string; port: number } {
  const e = endpoint.replace(/^(unix:|ipv4@)/, '');
  if (endpoint.startsWith('unix:') || e.startsWith('/') || e.startsWith('.')) return { path: e };
  const m = /^(.*):(\d+)$/.exec(e);
  if (!m) throw new TargetError(`bad HAProxy admin endpoint '${endpoint}'`, 'use a socket path or host:port');
  return { host: m[1] || '127.0.0.1', port: Number(m[2]) };
}

export function runAdminCommand(endpoint: string, command: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(parseAdminEndpoint(endpoint));
    let out = '';
    const timer = setTimeout(() => sock.destroy(new Error(`no answer to \`${command}\` within ${timeoutMs} ms`)), timeoutMs);
    sock.on('connect', () => sock.write(`${command}\n`));
    sock.on('data', (d) => (out += d.toString('utf8')));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(new TargetError(`HAProxy runtime API at ${endpoint}: ${err.message}`, 'is the edge running? (`prodctl status`)'));
    });
  });
}

/** Current sessions on one server, from `show stat` (CSV: pxname, svname, qcur, qmax, scur, …). */
export async function currentSessions(endpoint: string, backend: string, server: string): Promise<number> {
  const row = (await runAdminCommand(endpoint, 'show stat')).split('\n').map((l) => l.split(',')).find((f) => f[0] === backend && f[1] === server);
  return row ? Number(row[4]) || 0 : 0;
}
