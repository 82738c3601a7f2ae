// node_exporter textfile <state>/textfile/prodctl_tls.prom: when the certificate the edge serves
// expires, per domain. Written each time prodctl installs or looks at the certificate; the
// TlsCertificateExpiring alert reads it (the edge's own exporter does not report certificates).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../../contract/index.js';
import type { CertInfo } from './cert-store.js';

export const TLS_TEXTFILE_NAME = 'prodctl_tls.prom';

/** Pure: one series per domain the certificate names, value = notAfter in Unix seconds. */
export function renderTlsTextfile(cert: CertInfo): string {
  const m = METRICS.tlsCertNotAfter;
  const at = Math.floor(Date.parse(cert.notAfter) / 1000);
  return [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} gauge`, ...cert.altNames.map((d) => `${m.name}{domain="${d}"} ${at}`)].join('\n') + '\n';
}

export function writeTlsTextfile(stateDir: string, cert: CertInfo): string {
  const dir = path.join(stateDir, 'textfile');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, TLS_TEXTFILE_NAME);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, renderTlsTextfile(cert));
  renameSync(tmp, file);
  return file;
}
