// The TLS block of haproxy.cfg, exactly, from edge.tls: the HTTPS bind with ALPN and a TLS 1.2
// floor, Mozilla intermediate ciphers, the ACME answer before the redirect, HSTS on HTTPS only;
// nothing at all when TLS is off. `haproxy -c` (through validate/) accepts it with TLS on.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderAll } from '../../templates/render-all.js';
import { renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';
import { renderHaproxyTlsFrontend, renderHaproxyTlsGlobal } from '../../templates/haproxy/render-haproxy-tls.js';
import { validateHaproxy } from '../../validate/validate-haproxy.js';
import { makeTempDir } from '../support/services.js';
import { loadExamplePlan } from './support.js';

const HAPROXY = ['edge.kind=haproxy'];

describe('HAProxy TLS rendering', () => {
  it('global: Mozilla intermediate ciphers, TLS 1.2 floor, no session tickets', async () => {
    const plan = await loadExamplePlan('small', HAPROXY);
    expect(renderHaproxyTlsGlobal(plan)).toEqual([
      "  # Mozilla's \"intermediate\" TLS configuration (Server Side TLS 5.7): TLS 1.2 + 1.3, AEAD ciphers.",
      '  ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305',
      '  ssl-default-bind-ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256',
      '  ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets',
      '  tune.ssl.default-dh-param 2048',
    ]);
  });

  it('frontend: https bind, ACME answer from the map before the redirect, HSTS from edge.tls.hsts', async () => {
    const plan = await loadExamplePlan('small', [...HAPROXY, 'edge.tls.hsts.max_age=180d', 'edge.tls.hsts.preload=false']);
    expect(renderHaproxyTlsFrontend(plan, { httpsBind: '127.0.0.1:8443', certDir: '/s/tls/certs', acmeMap: '/s/tls/acme.map' })).toEqual([
      '  bind 127.0.0.1:8443 ssl crt /s/tls/certs alpn h2,http/1.1 ssl-min-ver TLSv1.2',
      '  # ACME HTTP-01: prodctl puts each token into the map through the runtime API while a CA validates it.',
      '  acl acme_challenge path_beg /.well-known/acme-challenge/',
      '  http-request return status 200 content-type text/plain lf-string "%[path,field(4,/),map(/s/tls/acme.map)]" if acme_challenge { path,field(4,/),map(/s/tls/acme.map) -m found }',
      '  http-request deny deny_status 404 if acme_challenge',
      '  http-request redirect scheme https code 301 unless { ssl_fc }',
      '  http-response set-header Strict-Transport-Security "max-age=15552000; includeSubDomains" if { ssl_fc }',
    ]);
  });

  it('container defaults: the edge container paths; the block sits right after the plain bind', async () => {
    const plan = await loadExamplePlan('small', HAPROXY);
    const lines = renderHaproxyConfig(plan).split('\n');
    const at = lines.indexOf('  bind :8080');
    expect(lines[at + 1]).toBe('  bind :8443 ssl crt /usr/local/etc/haproxy/certs alpn h2,http/1.1 ssl-min-ver TLSv1.2');
    expect(lines).toContain('  http-response set-header Strict-Transport-Security "max-age=31536000; includeSubDomains; preload" if { ssl_fc }');
  });

  it('https_redirect false keeps HSTS and the ACME answer but no redirect', async () => {
    const plan = await loadExamplePlan('small', [...HAPROXY, 'edge.tls.https_redirect=false']);
    const l = renderHaproxyTlsFrontend(plan);
    expect(l.some((x) => x.includes('redirect'))).toBe(false);
    expect(l.some((x) => x.includes('Strict-Transport-Security'))).toBe(true);
  });

  it('on an HTTPS port other than 443 the redirect names that port, and haproxy -c accepts it', async () => {
    const plan = await loadExamplePlan('small', HAPROXY);
    const l = renderHaproxyTlsFrontend(plan, { httpsPublicPort: 18443 });
    expect(l.filter((x) => x.includes('redirect'))).toEqual(['  http-request redirect location https://%[req.hdr(host),field(1,:)]:18443%[capture.req.uri] code 301 unless { ssl_fc }']);
    const dir = makeTempDir('prodctl-tls-redirect-');
    mkdirSync(path.join(dir, 'haproxy'));
    writeFileSync(path.join(dir, 'haproxy', 'haproxy.cfg'), renderHaproxyConfig(plan, { httpsPublicPort: 18443 }));
    const r = await validateHaproxy(dir);
    expect(r.ok, r.details.join('\n')).toBe(true);
  });

  for (const sets of [['edge.tls.mode=off'], ['project.domains=[]']]) {
    it(`no TLS lines at all with ${sets[0]}`, async () => {
      const plan = await loadExamplePlan('small', [...HAPROXY, ...sets]);
      expect(renderHaproxyTlsGlobal(plan)).toEqual([]);
      expect(renderHaproxyTlsFrontend(plan)).toEqual([]);
      expect(renderHaproxyConfig(plan)).not.toMatch(/ ssl crt |ssl-default|Strict-Transport|redirect scheme|acme/);
    });
  }

  it('`prodctl validate`\'s haproxy -c accepts the rendered file with TLS on, and rejects a broken TLS option', async () => {
    const plan = await loadExamplePlan('small', HAPROXY);
    const dir = makeTempDir('prodctl-tls-render-');
    const cfg = renderAll(plan).find((f) => f.path === 'haproxy/haproxy.cfg')!.content;
    mkdirSync(path.join(dir, 'haproxy'));
    writeFileSync(path.join(dir, 'haproxy', 'haproxy.cfg'), cfg);
    const ok = await validateHaproxy(dir);
    expect(ok.skipped).toBeUndefined();
    expect(ok.ok, ok.details.join('\n')).toBe(true);
    writeFileSync(path.join(dir, 'haproxy', 'haproxy.cfg'), cfg.replace('ssl-min-ver TLSv1.2 no-tls-tickets', 'ssl-min-ver TLSv9.9'));
    const bad = await validateHaproxy(dir);
    expect(bad.ok).toBe(false);
    expect(bad.details.join('\n')).toMatch(/TLSv9\.9/);
  });
});

describe('native target with TLS', () => {
  it('HTTPS on the state\'s port, certificates and the ACME map from <state>/tls; a fresh state picks an HTTPS port', async () => {
    const { renderNativeHaproxy } = await import('../../targets/native/native-config.js');
    const { nativePaths } = await import('../../targets/native/supervisor/paths.js');
    const { planNativeState } = await import('../../targets/native/native-ports.js');
    const plan = await loadExamplePlan('small', ['target=native', ...HAPROXY, 'edge.bind=127.0.0.1']);
    const release = { version: 'v1', build: '/opt/b', at: '2026-01-01T00:00:00Z' };
    const { state, notes } = await planNativeState(null, plan, release);
    expect(state.ports.edgeHttps).toBeGreaterThanOrEqual(1024);
    expect(state.ports.edgeHttps).not.toBe(state.ports.edge);
    expect(notes.some((n) => n.startsWith('edge.https_port 443 is privileged'))).toBe(true);
    const cfg = renderNativeHaproxy(plan, state, nativePaths('/srv/pdf/.prodctl'), false).split('\n');
    expect(cfg).toContain(`  bind 127.0.0.1:${state.ports.edgeHttps} ssl crt /srv/pdf/.prodctl/tls/certs alpn h2,http/1.1 ssl-min-ver TLSv1.2`);
    expect(cfg.some((l) => l.includes('map(/srv/pdf/.prodctl/tls/acme-challenges.map)'))).toBe(true);
    // A state written before TLS gets an HTTPS port on the next `up`; TLS off picks none.
    const { edgeHttps: _drop, ...old } = state.ports;
    expect((await planNativeState({ ...state, ports: old }, plan, release)).state.ports.edgeHttps).toBeGreaterThan(0);
    const off = await loadExamplePlan('small', ['target=native', ...HAPROXY, 'edge.tls.mode=off']);
    expect((await planNativeState(null, off, release)).state.ports.edgeHttps).toBeUndefined();
  });
});
