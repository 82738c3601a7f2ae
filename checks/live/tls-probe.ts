// Adapter: what the edge serves over TLS, seen as a client sees it. One handshake per protocol
// version (1.0 to 1.3, each pinned), the served chain judged against the trust store (Node's,
// plus NODE_EXTRA_CA_CERTS, or the given CA) and the domain, and one HTTPS request for HSTS.
import https from 'node:https';
import tls from 'node:tls';

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
export const TLS_VERSIONS: TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export interface TlsProbeTarget {
  host: string;
  port: number;
  servername: string;
  /** PEM of the CA(s) to trust instead of Node's store. */
  ca?: string;
  timeoutMs?: number;
}

export interface TlsProbeReport {
  endpoint: string;
  cert: { subject: string; issuer: string; validTo: string; serial: string } | null;
  /** Chain or hostname problem (null: the chain verifies and names the domain). */
  verifyError: string | null;
  /** Which pinned versions completed a handshake. */
  accepted: Record<TlsVersion, boolean>;
  hsts: string | null;
}

function handshake(t: TlsProbeTarget, version: TlsVersion): Promise<tls.TLSSocket | null> {
  return new Promise((resolve) => {
    // SECLEVEL=0: let this client offer TLS 1.0/1.1 at all, so a refusal is the server's.
    const legacy = version === 'TLSv1' || version === 'TLSv1.1';
    const s = tls.connect({ host: t.host, port: t.port, servername: t.servername, ca: t.ca, minVersion: version, maxVersion: version, rejectUnauthorized: false, ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) });
    const timer = setTimeout(() => s.destroy(), t.timeoutMs ?? 5000);
    s.once('secureConnect', () => (clearTimeout(timer), resolve(s)));
    s.once('error', () => (clearTimeout(timer), resolve(null)));
    s.once('close', () => (clearTimeout(timer), resolve(null)));
  });
}

function hstsOf(t: TlsProbeTarget): Promise<string | null> {
  return new Promise((resolve) => {
    const req = https.get({ host: t.host, port: t.port, servername: t.servername, path: '/', headers: { host: t.servername }, ca: t.ca, rejectUnauthorized: false, agent: false, timeout: t.timeoutMs ?? 5000 }, (res) => {
      res.resume();
      const h = res.headers['strict-transport-security'];
      resolve(typeof h === 'string' ? h : null);
    });
    req.on('error', () => resolve(null));
    req.on('timeout', () => req.destroy());
  });
}

export async function probeTls(t: TlsProbeTarget): Promise<TlsProbeReport> {
  const accepted = {} as Record<TlsVersion, boolean>;
  let cert: TlsProbeReport['cert'] = null;
  let verifyError: string | null = 'no TLS handshake completed';
  for (const v of TLS_VERSIONS) {
    const s = await handshake(t, v);
    accepted[v] = s !== null;
    if (!s) continue;
    if (!cert) {
      const peer = s.getPeerCertificate();
      cert = { subject: String(peer.subject?.CN ?? ''), issuer: String(peer.issuer?.CN ?? ''), validTo: new Date(peer.valid_to).toISOString(), serial: peer.serialNumber };
      const hostErr = tls.checkServerIdentity(t.servername, peer);
      // Node folds a hostname mismatch into authorizationError as a bare code: say which names it has.
      verifyError = !s.authorized && String(s.authorizationError) !== 'ERR_TLS_CERT_ALTNAME_INVALID' ? String(s.authorizationError) : (hostErr?.message ?? null);
    }
    s.destroy();
  }
  return { endpoint: `${t.host}:${t.port} (SNI ${t.servername})`, cert, verifyError, accepted, hsts: cert ? await hstsOf(t) : null };
}
