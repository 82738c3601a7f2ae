// node_exporter textfile <state>/textfile/prodctl_tls.prom: when the certificate the edge serves
// expires, per domain, read from the running HAProxy (`show ssl cert`, not the file on disk) each
// time `prodctl tls issue|renew|status` runs (renew daily, from the schedule). The
// TlsCertificateExpiring alert reads it: HAProxy's own Prometheus exporter reports no certificates.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../../contract/index.js';
import type { ServedCert } from '../haproxy/tls-runtime.js';

export const TLS_TEXTFILE_NAME = 'prodctl_tls.prom';

/** Pure: one series per domain the certificate names, value = notAfter in Unix seconds. */
export function renderTlsTextfile(cert: Pick<ServedCert, 'altNames' | 'notAfter'>): string {
  const m = METRICS.tlsCertNotAfter;
  const at = Math.floor(Date.parse(cert.notAfter) / 1000);
  return [`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} gauge`, ...cert.altNames.map((d) => `${m.name}{domain="${d}"} ${at}`)].join('\n') + '\n';
}

export function writeTlsTextfile(stateDir: string, cert: Pick<ServedCert, 'altNames' | 'notAfter'>): string {
  const dir = path.join(stateDir, 'textfile');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, TLS_TEXTFILE_NAME);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, renderTlsTextfile(cert));
  renameSync(tmp, file);
  return file;
}
