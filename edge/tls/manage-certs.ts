// Issue, renew and install the edge's certificate: the ACME order (through the AcmeIssuer), the
// HTTP-01 answers put into the running HAProxy's map, the files in the state folder, and the new
// chain swapped into HAProxy through its runtime API (no restart, no dropped connection).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { TlsError } from '../../lib/errors.js';
import type { Profile } from '../../profile/schema.js';
import { createSelfSignedCert } from '../../lib/self-signed-cert.js';
import type { AcmeIssuer, Http01Responder } from '../acme/types.js';
import { addMapEntry, deleteMapEntry, listMaps, listSslCerts, readServedCert, swapSslCert, type ServedCert } from '../haproxy/tls-runtime.js';
import { certFileOf, describeCert, readCertInfo, readSecretPem, writeSecretFile, type CertInfo, type TlsPaths } from './cert-store.js';

export interface CertJob {
  paths: TlsPaths;
  domains: string[];
  email: string;
  renewBeforeMs: number;
  /** HAProxy's runtime API (socket path or host:port). */
  admin: string;
  issuer: AcmeIssuer;
  now?: () => Date;
}

export interface CertOutcome {
  action: 'issued' | 'renewed' | 'kept';
  reason: string;
  previous: CertInfo | null;
  current: CertInfo;
  /** The loaded path HAProxy now serves it from, or null when the edge has not loaded that file. */
  swappedInto: string | null;
}

/** A self-signed stand-in, so HAProxy can start (and answer the first challenge) before ACME has issued. */
export async function ensurePlaceholderCert(paths: TlsPaths, domains: string[]): Promise<string> {
  const file = certFileOf(paths, domains);
  if (!existsSync(paths.acmeMap)) writeSecretFile(paths.acmeMap, '');
  if (existsSync(file)) return file;
  const p = await createSelfSignedCert({ commonName: domains[0], altNames: domains });
  writeSecretFile(file, p.cert + p.key);
  return file;
}

/**
 * What the edge loads at start: the user's pair (edge.tls.mode files, combined as HAProxy wants)
 * or, for ACME, the issued certificate or a placeholder until `prodctl tls issue` runs.
 */
export async function installEdgeCert(paths: TlsPaths, tls: Profile['edge']['tls'], domains: string[], profileDir: string): Promise<string> {
  if (tls.mode !== 'files') return ensurePlaceholderCert(paths, domains);
  const file = certFileOf(paths, domains);
  const pem = `${readSecretPem(path.resolve(profileDir, tls.cert_file!)).trim()}\n${readSecretPem(path.resolve(profileDir, tls.key_file!)).trim()}\n`;
  if (!existsSync(paths.acmeMap)) writeSecretFile(paths.acmeMap, '');
  if (!existsSync(file) || readSecretPem(file) !== pem) writeSecretFile(file, pem);
  return file;
}

/** Why the certificate needs a new order, or null when it is good for longer than renew_before. */
export function renewalReason(info: CertInfo | null, domains: string[], renewBeforeMs: number, now: Date): string | null {
  if (!info) return 'no certificate yet';
  if (info.selfSigned) return 'placeholder (self-signed) certificate';
  const missing = domains.filter((d) => !info.altNames.includes(d));
  if (missing.length) return `certificate does not cover ${missing.join(', ')}`;
  const left = Date.parse(info.notAfter) - now.getTime();
  if (left < renewBeforeMs) return `${Math.floor(left / 86_400_000)} days left, renew_before is ${Math.floor(renewBeforeMs / 86_400_000)} days`;
  return null;
}

async function findLoaded(admin: string, list: (a: string) => Promise<string[]>, basename: string, what: string): Promise<string> {
  const hit = (await list(admin)).find((p) => path.basename(p) === basename);
  if (!hit) throw new TlsError(`the edge at ${admin} has no ${what} named ${basename} loaded`, 'render and restart the edge with edge.tls on (`prodctl render`, `prodctl up`)');
  return hit;
}

/** The certificate the running edge serves for the domains (the file it loaded, as HAProxy holds it in memory). */
export async function readEdgeCert(admin: string, paths: TlsPaths, domains: string[]): Promise<ServedCert> {
  const loaded = await findLoaded(admin, listSslCerts, path.basename(certFileOf(paths, domains)), 'certificate');
  return readServedCert(admin, loaded);
}

function mapResponder(admin: string, map: string): Http01Responder {
  return {
    publish: (token, keyAuth) => addMapEntry(admin, map, token, keyAuth),
    withdraw: (token) => deleteMapEntry(admin, map, token),
  };
}

/** Orders a certificate when one is due (or `force`), stores it 0600 and swaps it into HAProxy. */
export async function renewCert(job: CertJob, o: { force?: boolean } = {}): Promise<CertOutcome> {
  const now = (job.now ?? (() => new Date()))();
  const file = certFileOf(job.paths, job.domains);
  const previous = readCertInfo(file);
  const due = renewalReason(previous, job.domains, job.renewBeforeMs, now);
  if (!due && !o.force) return { action: 'kept', reason: `valid until ${previous!.notAfter}`, previous, current: previous!, swappedInto: null };
  const map = await findLoaded(job.admin, listMaps, path.basename(job.paths.acmeMap), 'ACME challenge map');
  const loadedCert = await findLoaded(job.admin, listSslCerts, path.basename(file), 'certificate');
  // The ACME package loads only when an order runs (installing a certificate at `up` does not need it).
  const { createEcKeyPem } = await import('../acme/acme-client-issuer.js');
  if (!existsSync(job.paths.accountKey)) writeSecretFile(job.paths.accountKey, await createEcKeyPem());
  const certKey = await createEcKeyPem();
  const chain = await job.issuer.issue({ domains: job.domains, email: job.email, accountKeyPem: readSecretPem(job.paths.accountKey), certKeyPem: certKey, responder: mapResponder(job.admin, map) });
  const pem = `${chain.trim()}\n${certKey.trim()}\n`;
  // Into HAProxy first: a chain it refuses must not replace the file it would load on restart.
  await swapSslCert(job.admin, loadedCert, pem);
  writeSecretFile(file, pem);
  const current = describeCert(file, pem);
  const action = previous && !previous.selfSigned ? 'renewed' : 'issued';
  return { action, reason: o.force && !due ? 'forced' : due!, previous, current, swappedInto: loadedCert };
}
