// HAProxy's runtime API for TLS: which certificate files and maps it has loaded, a certificate
// swapped in memory without a restart (`set ssl cert` + `commit ssl cert`, a transaction: the new
// chain serves new handshakes, open connections keep theirs), and ACME tokens in the map.
import { TlsError } from '../../lib/errors.js';
import { runAdminCommand } from './runtime-api.js';

/** Paths of the certificates HAProxy has loaded (`show ssl cert`). */
export async function listSslCerts(admin: string): Promise<string[]> {
  const out = await runAdminCommand(admin, 'show ssl cert');
  return out.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Map files HAProxy has loaded (`show map`: `<id> (<path>) pattern loaded …`). */
export async function listMaps(admin: string): Promise<string[]> {
  const out = await runAdminCommand(admin, 'show map');
  return [...out.matchAll(/^-?\d+\s+\(([^)]+)\)/gm)].map((m) => m[1]);
}

/** Replaces a loaded certificate in memory: HAProxy validates the PEM (chain + key) before the commit. */
export async function swapSslCert(admin: string, certPath: string, pem: string): Promise<void> {
  // The payload ends at the first empty line, so the PEM must have none.
  const body = pem.split('\n').filter((l) => l.trim()).join('\n');
  const set = await runAdminCommand(admin, `set ssl cert ${certPath} <<\n${body}\n`, 15_000);
  if (!/Transaction (created|updated)/i.test(set)) {
    await runAdminCommand(admin, `abort ssl cert ${certPath}`).catch(() => '');
    throw new TlsError(`HAProxy refused the new certificate for ${certPath}: ${set.trim()}`, 'the PEM must hold the chain and its private key');
  }
  const commit = await runAdminCommand(admin, `commit ssl cert ${certPath}`, 15_000);
  if (!/Success!/.test(commit)) throw new TlsError(`HAProxy did not commit ${certPath}: ${commit.trim()}`, 'see the edge log');
}

/** What the running edge serves from one loaded file (`show ssl cert <file>`): not what the file on disk says. */
export interface ServedCert {
  file: string;
  serial: string;
  notAfter: string;
  altNames: string[];
}

/** Pure: HAProxy's `show ssl cert <file>` text → serial, notAfter (ISO) and names; null when it names no certificate. */
export function parseShowSslCert(file: string, text: string): ServedCert | null {
  const field = (k: string) => new RegExp(`^${k}: *(.*)$`, 'm').exec(text)?.[1].trim() ?? '';
  const notAfter = Date.parse(field('notAfter').replace(/ +/g, ' '));
  if (!field('Serial') || Number.isNaN(notAfter)) return null;
  const altNames = field('Subject Alternative Name').split(',').map((n) => n.trim().replace(/^DNS:/, '')).filter(Boolean);
  return { file, serial: field('Serial'), notAfter: new Date(notAfter).toISOString(), altNames };
}

export async function readServedCert(admin: string, certPath: string): Promise<ServedCert> {
  const out = await runAdminCommand(admin, `show ssl cert ${certPath}`);
  const cert = parseShowSslCert(certPath, out);
  if (!cert) throw new TlsError(`HAProxy at ${admin} reports no certificate for ${certPath}: ${out.trim().slice(0, 200)}`, 'is the edge running with edge.tls on? (`prodctl status`)');
  return cert;
}

export async function addMapEntry(admin: string, map: string, key: string, value: string): Promise<void> {
  // `set map` fails on a missing key and `add map` duplicates an existing one: delete first.
  await runAdminCommand(admin, `del map ${map} ${key}`);
  const out = await runAdminCommand(admin, `add map ${map} ${key} ${value}`);
  if (out.trim()) throw new TlsError(`HAProxy refused \`add map ${map}\`: ${out.trim()}`, 'is the ACME map loaded by the edge? (re-render and restart it)');
}

export async function deleteMapEntry(admin: string, map: string, key: string): Promise<void> {
  await runAdminCommand(admin, `del map ${map} ${key}`);
}
