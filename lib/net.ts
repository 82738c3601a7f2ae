import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Lowest port a long-lived service is given; below it sit many well-known and registered services. */
export const SERVICE_PORT_FLOOR = 20_000;

/** The kernel's ephemeral port range [low, high]; null where it cannot be read (not Linux). */
export function readEphemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] | null {
  try {
    const [low, high] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    return Number.isInteger(low) && Number.isInteger(high) && low <= high ? [low, high] : null;
  } catch {
    return null;
  }
}

/** Whether host:port can be listened on right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * A free TCP port for a service that keeps it across restarts, from below the kernel's ephemeral
 * range. Port 0 gets a port from that range, which is also where every outgoing connection on the
 * host takes its local port: a service restarted on such a port can find it held by somebody's
 * connection and fail to bind. `avoid`: ports already given out that may not be listening yet.
 * Falls back to the kernel's pick when there is no room below the range.
 */
export async function pickServicePort(host = '127.0.0.1', avoid: ReadonlySet<number> = new Set(), range = readEphemeralRange()): Promise<number> {
  const top = range ? range[0] - 1 : 0;
  if (top - SERVICE_PORT_FLOOR >= 1000) {
    for (let i = 0; i < 100; i++) {
      const port = randomInt(SERVICE_PORT_FLOOR, top + 1);
      if (!avoid.has(port) && (await isPortFree(port, host))) return port;
    }
  }
  for (;;) {
    const port = await getFreePort(host);
    if (!avoid.has(port)) return port;
  }
}

/** A free TCP port on loopback, picked by the kernel (from its ephemeral range: see pickServicePort). */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ port, host }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
