// The certificates in the state folder: <state>/tls/account.key (the ACME account) and
// <state>/tls/certs/<first domain>.pem (chain then key: the form HAProxy loads), all mode 0600.
import { X509Certificate } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { registerSecret } from '../../lib/redact.js';

export interface TlsPaths {
  dir: string;
  accountKey: string;
  certDir: string;
  acmeMap: string;
}

export function tlsPaths(stateDir: string): TlsPaths {
  const dir = path.join(path.resolve(stateDir), 'tls');
  return { dir, accountKey: path.join(dir, 'account.key'), certDir: path.join(dir, 'certs'), acmeMap: path.join(dir, 'acme-challenges.map') };
}

export function certFileOf(paths: TlsPaths, domains: string[]): string {
  return path.join(paths.certDir, `${domains[0]}.pem`);
}

/**
 * Writes a secret file atomically with mode 0600 (the temp file is created 0600 too). A file that
 * exists keeps its owner: the Docker target hands the edge's certificate to the container's user,
 * and a renewal must not take it back (HAProxy would not read it at its next start).
 */
export function writeSecretFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  const owner = existsSync(file) ? statSync(file) : null;
  if (owner && (owner.uid !== statSync(tmp).uid || owner.gid !== statSync(tmp).gid)) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, file);
}

/** Reads a secret file and registers it for redaction (private keys never reach a log). */
export function readSecretPem(file: string): string {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g)) registerSecret(m[0]);
  return text;
}

/** Splits a combined PEM into its certificates (leaf first) and its key. */
export function splitPem(pem: string): { certs: string[]; key: string | null } {
  const certs = [...pem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)].map((m) => `${m[0]}\n`);
  const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/.exec(pem)?.[0];
  return { certs, key: key ? `${key}\n` : null };
}

export interface CertInfo {
  file: string;
  serial: string;
  subject: string;
  issuer: string;
  altNames: string[];
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
}

export function describeCert(file: string, pem: string): CertInfo {
  const leaf = new X509Certificate(splitPem(pem).certs[0] ?? pem);
  const altNames = (leaf.subjectAltName ?? '').split(',').map((s) => s.trim().replace(/^DNS:/, '')).filter(Boolean);
  return {
    file,
    serial: leaf.serialNumber,
    subject: leaf.subject.replace(/\n/g, ', '),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    altNames,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    selfSigned: leaf.issuer === leaf.subject && leaf.checkIssued(leaf),
  };
}

export function readCertInfo(file: string): CertInfo | null {
  return existsSync(file) ? describeCert(file, readSecretPem(file)) : null;
}
