// Traefik static and dynamic files, exactly: entry points on the edge's container ports, HTTP→HTTPS,
// ACME, HSTS and headers, rate limit and retry on the API router, health-checked API servers,
// dashboard behind basic auth from a secret file, metrics on a private entry point, JSON access logs.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EDGE_PORTS } from '../../plan/edge-service.js';
import { renderTraefikDynamic } from '../../templates/traefik/render-traefik-dynamic.js';
import { renderTraefikStatic } from '../../templates/traefik/render-traefik-static.js';
import { goDuration } from '../../templates/traefik/traefik-names.js';
import { planExample } from './load-example.js';

describe('traefik static', () => {
  it('entry points, redirect, ACME, metrics, ping, JSON logs without headers', async () => {
    const plan = await planExample('medium');
    const doc = parse(renderTraefikStatic(plan).content);
    expect(doc.entryPoints).toEqual({
      web: { address: `:${EDGE_PORTS.http}`, transport: { respondingTimeouts: { readTimeout: '30s' } }, http: { redirections: { entryPoint: { to: 'websecure', scheme: 'https', permanent: true } } } },
      websecure: { address: `:${EDGE_PORTS.https}`, transport: { respondingTimeouts: { readTimeout: '30s' } }, http: { tls: { certResolver: 'letsencrypt' } } },
      traefik: { address: `:${EDGE_PORTS.admin}` },
      metrics: { address: `:${EDGE_PORTS.metrics}` },
    });
    expect(doc.certificatesResolvers.letsencrypt.acme).toEqual({ email: 'ops@example.com', storage: '/acme/acme.json', tlsChallenge: {}, caServer: 'https://acme-v02.api.letsencrypt.org/directory' });
    expect(doc.api).toEqual({ dashboard: true, insecure: false });
    expect(doc.metrics.prometheus.entryPoint).toBe('metrics');
    // the metrics and admin entry points are not published by the edge service
    const published = plan.services.find((s) => s.name === 'edge')!.published.map((p) => p.port);
    expect(published).not.toContain(EDGE_PORTS.metrics);
    expect(published).not.toContain(EDGE_PORTS.admin);
    expect(doc.ping).toEqual({ entryPoint: 'traefik' });
    // No RequestPath: it carries the query string.
    expect(doc.accessLog).toEqual({ format: 'json', bufferingSize: 100, fields: { defaultMode: 'keep', names: { RequestPath: 'drop' }, headers: { defaultMode: 'drop' } } });
    expect(doc.providers.file).toEqual({ filename: '/etc/traefik/dynamic.yml', watch: true });
  });

  it('without domains: no TLS, no redirect (nothing to redirect to)', async () => {
    const plan = await planExample('medium', ['project.domains=[]']);
    const doc = parse(renderTraefikStatic(plan).content);
    expect(doc.entryPoints.web).toEqual({ address: `:${EDGE_PORTS.http}`, transport: { respondingTimeouts: { readTimeout: '30s' } } });
    expect(doc.entryPoints.websecure).toEqual({ address: `:${EDGE_PORTS.https}`, transport: { respondingTimeouts: { readTimeout: '30s' } } });
  });
});

describe('traefik from edge.tls (the keys HAProxy reads too)', () => {
  it('mode files: the certificate pair in tls.certificates, routers with tls and no resolver, no ACME', async () => {
    const plan = await planExample('medium', ['edge.tls.mode=files', 'edge.tls.cert_file=certs/edge.pem', 'edge.tls.key_file=certs/edge.key']);
    const st = parse(renderTraefikStatic(plan).content);
    const dyn = parse(renderTraefikDynamic(plan).content);
    expect(st.certificatesResolvers).toBeUndefined();
    expect(st.entryPoints.websecure).toEqual({ address: `:${EDGE_PORTS.https}`, http: { tls: {} }, transport: { respondingTimeouts: { readTimeout: '30s' } } });
    expect(dyn.http.routers.api.tls).toEqual({});
    expect(dyn.tls.certificates).toEqual([{ certFile: '/etc/traefik/certs/tls.crt', keyFile: '/etc/traefik/certs/tls.key' }]);
  });

  it('mode off: plain HTTP on web, no redirect, no HSTS, no resolver', async () => {
    const plan = await planExample('medium', ['edge.tls.mode=off']);
    const st = parse(renderTraefikStatic(plan).content);
    const dyn = parse(renderTraefikDynamic(plan).content);
    expect(st.entryPoints.web).toEqual({ address: `:${EDGE_PORTS.http}`, transport: { respondingTimeouts: { readTimeout: '30s' } } });
    expect(st.certificatesResolvers).toBeUndefined();
    expect(dyn.http.routers.api.entryPoints).toEqual(['web']);
    expect(dyn.http.middlewares['security-headers'].headers.stsSeconds).toBeUndefined();
  });

  it("TLS 1.2 minimum and Mozilla intermediate's ECDHE AEAD suites; HSTS max_age and flags from edge.tls.hsts", async () => {
    const plan = await planExample('medium', ['edge.tls.hsts.max_age=180d', 'edge.tls.hsts.preload=false', 'edge.tls.acme.directory=https://acme.internal/dir']);
    const dyn = parse(renderTraefikDynamic(plan).content);
    expect(dyn.tls.options.default).toEqual({
      minVersion: 'VersionTLS12',
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305'],
    });
    expect(dyn.http.middlewares['security-headers'].headers).toMatchObject({ stsSeconds: 15_552_000, stsIncludeSubdomains: true, stsPreload: false });
    expect(parse(renderTraefikStatic(plan).content).certificatesResolvers.letsencrypt.acme.caServer).toBe('https://acme.internal/dir');
  });
});

describe('traefik dynamic', () => {
  it('API router with headers, per-source in-flight limit, rate limit, retry; health-checked load balancer on /livez; dashboard behind basic auth', async () => {
    const plan = await planExample('medium');
    const t = plan.profile.edge.traefik;
    const doc = parse(renderTraefikDynamic(plan).content);
    expect(doc.http.routers.api).toEqual({
      rule: 'Host(`pdf.example.com`)',
      service: 'api',
      middlewares: ['security-headers', 'client-limits', 'rate-limit', 'retry'],
      entryPoints: ['websecure'],
      tls: { certResolver: 'letsencrypt' },
    });
    expect(doc.http.middlewares['security-headers'].headers).toMatchObject({ stsSeconds: 31_536_000, stsIncludeSubdomains: true, stsPreload: true, contentTypeNosniff: true, frameDeny: true });
    expect(doc.http.middlewares['rate-limit']).toEqual({ rateLimit: { average: t.rate_limit.average, burst: t.rate_limit.burst, period: goDuration(t.rate_limit.period) } });
    expect(doc.http.middlewares['client-limits']).toEqual({ inFlightReq: { amount: 100 } });
    expect(doc.http.middlewares.retry).toEqual({ retry: { attempts: t.retry.attempts, initialInterval: goDuration(t.retry.initial_interval) } });
    expect(doc.http.middlewares['dashboard-auth']).toEqual({ basicAuth: { usersFile: '/run/secrets/edge_dashboard_users', removeHeader: true } });
    // the users file is the secret the edge service mounts (htpasswd lines written by prodctl init)
    const edgeSecrets = plan.services.find((s) => s.name === 'edge')!.secrets;
    expect(edgeSecrets).toContainEqual({ name: t.dashboard.users_secret, target: doc.http.middlewares['dashboard-auth'].basicAuth.usersFile });
    expect(doc.http.routers.dashboard).toMatchObject({ service: 'api@internal', middlewares: ['dashboard-auth'], entryPoints: ['traefik'] });
    expect(doc.http.services.api.loadBalancer).toEqual({ servers: [{ url: `http://api:${plan.profile.api.port}` }], passHostHeader: true, healthCheck: { path: '/livez', interval: '3s', timeout: '2s' } });
    expect(doc.http.middlewares['security-headers']).toMatchObject({ headers: { contentTypeNosniff: true, contentSecurityPolicy: 'sandbox' } });
  });

  it('times the health check from api.drain_window: interval + timeout within half of it', async () => {
    const hc = async (drain: string) => parse(renderTraefikDynamic(await planExample('medium', [`api.drain_window=${drain}`])).content).http.services.api.loadBalancer.healthCheck;
    expect(await hc('2s')).toEqual({ path: '/livez', interval: '500ms', timeout: '500ms' });
    expect(await hc('30s')).toEqual({ path: '/livez', interval: '5s', timeout: '2s' });
  });

  it('the dashboard router and its auth go away when the dashboard is disabled', async () => {
    const plan = await planExample('medium', ['edge.traefik.dashboard.enabled=false']);
    const doc = parse(renderTraefikDynamic(plan).content);
    expect(doc.http.routers.dashboard).toBeUndefined();
    expect(doc.http.middlewares['dashboard-auth']).toBeUndefined();
  });

  it('writes Go durations', () => {
    expect(goDuration('1s')).toBe('1s');
    expect(goDuration('100ms')).toBe('100ms');
    expect(goDuration('1m')).toBe('60s');
  });
});
