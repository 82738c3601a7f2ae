// Live TLS checks of the edge: the served chain and hostname, legacy protocol versions refused,
// HSTS on the wire, and the expiry (SEC-102 reads the same report). Each judge is pure: a probe
// report in, a finding out, so a table of served certificates can test them.
import { fail, pass, skip, type Finding, type LiveCheck, type LiveInput } from '../types.js';
import { probeTls, type TlsProbeReport } from './tls-probe.js';

const DAY = 86_400_000;
/** An ACME certificate is renewed 30 days ahead; under 14 left means renewal has been failing. */
export const MIN_DAYS_LEFT = 14;

export function judgeExpiry(r: TlsProbeReport, now: Date): Finding {
  if (!r.cert) return fail(`${r.endpoint}: no TLS certificate served`);
  const left = Date.parse(r.cert.validTo) - now.getTime();
  const ev = `${r.endpoint}: CN=${r.cert.subject}, serial ${r.cert.serial}, valid to ${r.cert.validTo} (${Math.floor(left / DAY)} days left)`;
  return left >= MIN_DAYS_LEFT * DAY ? pass(ev) : fail(ev);
}

export function judgeChain(r: TlsProbeReport): Finding {
  if (!r.cert) return fail(`${r.endpoint}: no TLS certificate served`);
  return r.verifyError ? fail(`${r.endpoint}: ${r.verifyError} (issuer ${r.cert.issuer})`) : pass(`${r.endpoint}: chain verifies to a trusted root (issuer ${r.cert.issuer}) and names the domain`);
}

export function judgeLegacyRefused(r: TlsProbeReport): Finding {
  const on = Object.entries(r.accepted).filter(([, ok]) => ok).map(([v]) => v);
  if (!on.length) return fail(`${r.endpoint}: no TLS version completes a handshake`);
  const legacy = on.filter((v) => v === 'TLSv1' || v === 'TLSv1.1');
  return legacy.length ? fail(`${r.endpoint}: accepts ${legacy.join(', ')} (deprecated, RFC 8996)`) : pass(`${r.endpoint}: accepts ${on.join(', ')}; refuses TLSv1, TLSv1.1`);
}

export function judgeHsts(r: TlsProbeReport): Finding {
  const age = Number(/max-age=(\d+)/i.exec(r.hsts ?? '')?.[1] ?? 0);
  return age > 0 ? pass(`${r.endpoint}: Strict-Transport-Security: ${r.hsts}`) : fail(`${r.endpoint}: no Strict-Transport-Security header on an HTTPS response`);
}

const reports = new WeakMap<LiveInput, Promise<TlsProbeReport | null>>();

/** One probe per check run, shared by the checks below; null when there is no domain. */
export function edgeTlsReport(i: LiveInput): Promise<TlsProbeReport | null> {
  let r = reports.get(i);
  if (!r) {
    const domain = i.plan.profile.project.domains[0];
    const e = i.probes.endpoints.edge;
    r = domain && i.plan.profile.edge.tls.mode !== 'off' ? probeTls({ host: e?.host ?? '127.0.0.1', port: e?.httpsPort ?? i.plan.profile.edge.https_port, servername: domain }) : Promise.resolve(null);
    reports.set(i, r);
  }
  return r;
}

const NO_TLS = 'project.domains is empty or edge.tls.mode is off: no TLS to check';

type Meta = Omit<LiveCheck, 'run' | 'scope' | 'category' | 'section'>;

/** A live check that judges the shared probe report (skipped when TLS is off). */
function tlsCheck(meta: Meta, judge: (r: TlsProbeReport) => Finding): LiveCheck {
  return { ...meta, category: 'security', scope: 'live', section: 'security', run: async (i) => {
    const r = await edgeTlsReport(i);
    return r ? judge(r) : skip(NO_TLS);
  } };
}

export const tlsLiveChecks: LiveCheck[] = [
  tlsCheck({
    id: 'SEC-104', title: 'Served certificate chain and hostname verify', severity: 'critical',
    rationale: 'A self-signed, wrongly issued or wrong-host certificate makes every client refuse the connection (or teaches users to click through warnings).',
    remediation: 'Run `prodctl tls issue` (ACME) or put the full chain into edge.tls.cert_file; check the served chain with `openssl s_client -connect host:443 -servername <domain>`.',
    references: ['RFC 5280 §6', 'RFC 6125'],
  }, judgeChain),
  tlsCheck({
    id: 'SEC-105', title: 'TLS 1.0 and 1.1 are refused', severity: 'high',
    rationale: 'TLS 1.0 and 1.1 are deprecated (RFC 8996); accepting them allows downgrade to weak ciphers.',
    remediation: 'Render the edge from the profile (HAProxy: `ssl-min-ver TLSv1.2`; Traefik: tls.options minVersion VersionTLS12).',
    references: ['RFC 8996', 'Mozilla Server Side TLS: intermediate'],
  }, judgeLegacyRefused),
  tlsCheck({
    id: 'SEC-106', title: 'HSTS header served over HTTPS', severity: 'high',
    rationale: 'The rendered HSTS rule only protects users if the running edge sends the header.',
    remediation: 'Set edge.tls.hsts and redeploy the edge; check with `curl -sI https://<domain>/`.',
    references: ['RFC 6797'],
  }, judgeHsts),
];
