// TLS on the HAProxy edge against a REAL ACME server (Pebble, one per run: test/support/pebble-global.ts).
// HAProxy runs the config rendered from the profile; `prodctl tls issue` orders a certificate for a
// test domain (Pebble's DNS resolves it to loopback, its HTTP-01 check goes through this HAProxy),
// and a client that trusts only Pebble's root reaches the API over HTTPS. Then: protocol versions,
// HSTS, the redirect, renewal under wrk load with a serial change and 0 failed requests, and the
// live TLS checks on expired, self-signed and issued certificates.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { judgeChain, judgeExpiry, judgeHsts, judgeLegacyRefused } from '../../checks/live/tls-live.js';
import { probeTls } from '../../checks/live/tls-probe.js';
import { runAdminCommand } from '../../edge/haproxy/runtime-api.js';
import { listSslCerts, swapSslCert } from '../../edge/haproxy/tls-runtime.js';
import { readCertInfo, tlsPaths, certFileOf } from '../../edge/tls/cert-store.js';
import { ensurePlaceholderCert } from '../../edge/tls/manage-certs.js';
import { getFreePort } from '../../lib/net.js';
import { createSelfSignedCert } from '../../lib/self-signed-cert.js';
import { renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';
import { runCli } from '../cli/run-cli.js';
import { startFreshTlsClients } from '../support/fresh-tls-clients.js';
import { lockPebbleHttpPort } from '../support/pebble-http-lock.js';
import { makeTempDir } from '../support/services.js';
import { loadExamplePlan, ROOT, startBackend, type Backend } from './support.js';

const pebble = inject('pebble');
if (!pebble && process.env.CI === 'true') throw new Error('Pebble is required in CI (scripts/install-system-deps.sh installs it)');
const DOMAIN = `tls-${process.pid}-${Date.now().toString(36)}.prodctl.test`;
const DAY = 86_400_000;

describe.skipIf(!pebble)('TLS on the HAProxy edge with certificates from Pebble', () => {
  const p = pebble!;
  const dir = makeTempDir('prodctl-tls-');
  const stateDir = path.join(dir, 'state');
  const paths = tlsPaths(stateDir);
  const admin = path.join(dir, 'admin.sock');
  let httpsPort = 0;
  let haproxy: ChildProcess;
  let backend: Backend;
  let unlock: () => void = () => undefined;
  const sets = ['target=native', 'edge.kind=haproxy', `project.domains=[${DOMAIN}]`, `edge.tls.acme.directory=${p?.directory}`];
  const cli = (args: string[], extra: string[] = []) =>
    runCli(['-f', path.join(ROOT, 'examples/small/prodctl.yaml'), '--state-dir', stateDir, ...[...sets, ...extra].flatMap((s) => ['--set', s]), ...args], { env: { NODE_EXTRA_CA_CERTS: p.serverCaFile } });

  beforeAll(async () => {
    unlock = await lockPebbleHttpPort(p.httpPort);
    backend = await startBackend('api');
    httpsPort = await getFreePort();
    const plan = await loadExamplePlan('small', sets);
    await ensurePlaceholderCert(paths, [DOMAIN]);
    const cfg = renderHaproxyConfig(plan, {
      bind: `127.0.0.1:${p.httpPort}`,
      httpsBind: `127.0.0.1:${httpsPort}`,
      httpsPublicPort: httpsPort,
      certDir: paths.certDir,
      acmeMap: paths.acmeMap,
      adminSocket: admin,
      metricsBind: `127.0.0.1:${await getFreePort()}`,
      maxConnections: 2000,
      servers: [{ name: 'api-1', address: backend.address }],
    });
    writeFileSync(path.join(dir, 'haproxy.cfg'), cfg);
    haproxy = spawn('haproxy', ['-db', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await runAdminCommand(admin, 'show info').then((o) => /Uptime/.test(o), () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    haproxy?.kill('SIGKILL');
    await backend?.close();
    unlock();
  });

  function httpsGet(pathname = '/', ca = p.rootCaPem): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, path: pathname, headers: { host: DOMAIN }, ca, agent: false }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        })
        .on('error', reject);
    });
  }

  function handshake(version: tls.SecureVersion): Promise<string> {
    return new Promise((resolve, reject) => {
      const legacy = version === 'TLSv1' || version === 'TLSv1.1';
      const s = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, ca: p.rootCaPem, minVersion: version, maxVersion: version, ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) }, () => {
        resolve(String(s.getProtocol()));
        s.destroy();
      });
      s.on('error', reject);
    });
  }

  it('`prodctl tls issue` orders a certificate from Pebble through the edge and swaps it in; files are 0600', async () => {
    const t0 = Date.now();
    const r = await cli(['tls', 'issue', '--edge-admin', admin, '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    console.log(`tls issue against Pebble: ${Date.now() - t0} ms, serial ${out.current.serial}`);
    expect(out.action).toBe('issued');
    expect(out.reason).toBe('placeholder (self-signed) certificate');
    expect(out.current.altNames).toEqual([DOMAIN]);
    expect(out.current.issuer).toMatch(/Pebble Intermediate CA/);
    expect(out.swappedInto).toBe(certFileOf(paths, [DOMAIN]));
    expect(await listSslCerts(admin)).toEqual([certFileOf(paths, [DOMAIN])]);
    for (const f of [paths.accountKey, certFileOf(paths, [DOMAIN])]) expect((statSync(f).mode & 0o777).toString(8)).toBe('600');
    expect(readCertInfo(certFileOf(paths, [DOMAIN]))!.serial).toBe(out.current.serial);
    // The metric the TlsCertificateExpiring alert reads (node_exporter textfile collector).
    expect(readFileSync(path.join(stateDir, 'textfile', 'prodctl_tls.prom'), 'utf8')).toContain(`prodctl_tls_certificate_not_after_timestamp_seconds{domain="${DOMAIN}"} ${Date.parse(out.current.notAfter) / 1000}\n`);
  });

  it('a client trusting only Pebble\'s root reaches the API over HTTPS, with HSTS; an untrusting one is refused', async () => {
    const r = await httpsGet('/');
    expect(r.status).toBe(200);
    expect(r.body).toBe('api');
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains; preload');
    // Trusting another CA only (Pebble's own server certificate): the chain must not verify.
    await expect(httpsGet('/', readFileSync(p.serverCaFile, 'utf8'))).rejects.toThrow(/unable to (get|verify)|self.signed|issuer/i);
  });

  it('negotiates TLS 1.3 and TLS 1.2; refuses TLS 1.1 and 1.0; the openssl client verifies the chain', async () => {
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    await expect(handshake('TLSv1.1')).rejects.toThrow(/protocol version|alert/i);
    await expect(handshake('TLSv1')).rejects.toThrow(/protocol version|alert/i);
    writeFileSync(path.join(dir, 'root.pem'), p.rootCaPem);
    const s = await execa('openssl', ['s_client', '-connect', `127.0.0.1:${httpsPort}`, '-servername', DOMAIN, '-CAfile', path.join(dir, 'root.pem'), '-verify_hostname', DOMAIN, '-alpn', 'h2'], { input: '', reject: false });
    expect(s.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    expect(s.stdout).toMatch(/ALPN protocol: h2/);
  });

  it('plain HTTP redirects to HTTPS, except an ACME challenge path (404 for an unknown token, never a redirect)', async () => {
    const get = (pathname: string, host = `${DOMAIN}:${p.httpPort}`) =>
      new Promise<http.IncomingMessage>((resolve, reject) => http.get({ host: '127.0.0.1', port: p.httpPort, path: pathname, headers: { host }, agent: false }, (res) => (res.resume(), resolve(res))).on('error', reject));
    const r = await get('/v1/jobs?x=1');
    expect(r.statusCode).toBe(301);
    expect(r.headers.location).toBe(`https://${DOMAIN}:${httpsPort}/v1/jobs?x=1`);
    expect((await get('/', DOMAIN)).headers.location).toBe(`https://${DOMAIN}:${httpsPort}/`);
    expect(r.headers['strict-transport-security']).toBeUndefined();
    expect((await get('/.well-known/acme-challenge/no-such-token')).statusCode).toBe(404);
  });

  it('renews under wrk load through the edge: the serial changes, 0 failed requests', async () => {
    const before = readCertInfo(certFileOf(paths, [DOMAIN]))!;
    // Fresh handshakes all along (each one verifies against Pebble's root and the domain), next to wrk's kept-alive load.
    const fresh = startFreshTlsClients(async () => {
      const s = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const c = tls.connect({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, ca: p.rootCaPem }, () => resolve(c));
        c.on('error', reject);
      });
      const serial = s.getPeerCertificate().serialNumber;
      s.destroy();
      const r = await httpsGet('/');
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      return serial;
    });
    // wrk loads the edge from 2 s before the renewal until 3 s after its swap; SIGINT makes wrk stop and report.
    const wrkStart = Date.now();
    const wrk = execa('wrk', ['-t1', '-c16', '-d120s', `https://127.0.0.1:${httpsPort}/`], { reject: false });
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    const renew = await cli(['tls', 'renew', '--edge-admin', admin, '--json'], ['edge.tls.acme.renew_before=3650d']);
    const renewMs = Date.now() - t0;
    const swappedAtS = (Date.now() - wrkStart) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    wrk.kill('SIGINT');
    const w = await wrk;
    const wrkS = (Date.now() - wrkStart) / 1000;
    const { ok, failed, seen } = await fresh.stop();
    expect(renew.exitCode, renew.stderr).toBe(0);
    const out = JSON.parse(renew.stdout);
    expect(out.action).toBe('renewed');
    expect(out.reason).toMatch(/days left, renew_before is 3650 days/);
    expect(out.current.serial).not.toBe(before.serial);
    const requests = Number(/(\d+) requests in/.exec(w.stdout)?.[1] ?? 0);
    const socketErrors = /Socket errors: (.*)/.exec(w.stdout)?.[1] ?? 'none';
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(w.stdout)?.[1] ?? 0);
    console.log(`renewal under load: renew took ${renewMs} ms, swapped ${swappedAtS.toFixed(1)} s into a ${wrkS.toFixed(1)} s wrk run; wrk ${requests} requests, socket errors: ${socketErrors}, non-2xx: ${non2xx}; fresh TLS clients ${ok} ok / ${failed} failed; serials seen ${JSON.stringify(Object.fromEntries(seen))} (${before.serial} → ${out.current.serial})`);
    expect(requests).toBeGreaterThan(1000);
    expect(socketErrors).toBe('none');
    expect(non2xx).toBe(0);
    expect(failed).toBe(0);
    expect(seen.get(before.serial.toUpperCase()) ?? seen.get(before.serial)).toBeGreaterThan(0);
    expect(seen.get(out.current.serial.toUpperCase()) ?? seen.get(out.current.serial)).toBeGreaterThan(0);
    // Not due: a second run keeps the certificate.
    const kept = await cli(['tls', 'renew', '--edge-admin', admin, '--json']);
    expect(JSON.parse(kept.stdout).action).toBe('kept');
  });

  it('live TLS checks fail on expired and self-signed certificates and pass on the issued one', async () => {
    const loaded = certFileOf(paths, [DOMAIN]);
    const issued = readCertInfo(loaded)!;
    const issuedPem = readFileSync(loaded, 'utf8');
    const now = Date.now();
    const expired = await createSelfSignedCert({ commonName: DOMAIN, notBefore: new Date(now - 100 * DAY), notAfter: new Date(now - DAY) });
    const soon = await createSelfSignedCert({ commonName: DOMAIN, notBefore: new Date(now - DAY), notAfter: new Date(now + 5 * DAY) });
    const selfSigned = await createSelfSignedCert({ commonName: DOMAIN });
    const cases = [
      { name: 'expired self-signed', pem: expired.cert + expired.key, chain: 'fail', expiry: 'fail', chainText: /CERT_HAS_EXPIRED/ },
      { name: 'self-signed, 5 days left', pem: soon.cert + soon.key, chain: 'fail', expiry: 'fail', chainText: /self.signed/i },
      { name: 'self-signed, 90 days left', pem: selfSigned.cert + selfSigned.key, chain: 'fail', expiry: 'pass', chainText: /self.signed/i },
      { name: 'issued by Pebble', pem: issuedPem, chain: 'pass', expiry: 'pass', chainText: /chain verifies/ },
    ];
    try {
      for (const c of cases) {
        await swapSslCert(admin, loaded, c.pem);
        const r = await probeTls({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, ca: p.rootCaPem });
        const chain = judgeChain(r);
        expect([c.name, chain.status, chain.evidence.join(' ')]).toEqual([c.name, c.chain, expect.stringMatching(c.chainText)]);
        expect([c.name, judgeExpiry(r, new Date()).status]).toEqual([c.name, c.expiry]);
        // Protocol floor and HSTS do not depend on the certificate.
        expect([c.name, judgeLegacyRefused(r).status, judgeHsts(r).status]).toEqual([c.name, 'pass', 'pass']);
      }
      const wrongHost = await probeTls({ host: '127.0.0.1', port: httpsPort, servername: `other-${DOMAIN}`, ca: p.rootCaPem });
      expect(judgeChain(wrongHost).status).toBe('fail');
      expect(judgeChain(wrongHost).evidence[0]).toMatch(/Hostname\/IP does not match/);
    } finally {
      await swapSslCert(admin, loaded, issuedPem);
    }
    expect((await probeTls({ host: '127.0.0.1', port: httpsPort, servername: DOMAIN, ca: p.rootCaPem })).cert?.serial).toBe(issued.serial);
  });
});
