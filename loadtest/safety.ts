// Where a load test may point: loopback, or a host the profile lists in loadtest.allowed_hosts.
// A load test is a denial of service by another name; the default is "only this machine".
import net from 'node:net';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Returns the reason the target is refused, or undefined when it is allowed. */
export function checkTargetAllowed(target: string, allowedHosts: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return `not a URL: ${target}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `unsupported scheme ${url.protocol} (http or https)`;
  if (isLoopbackHost(url.hostname)) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts.some((a) => a.toLowerCase() === host || a.toLowerCase() === url.host.toLowerCase())) return undefined;
  return `${url.hostname} is neither loopback nor listed in loadtest.allowed_hosts`;
}
