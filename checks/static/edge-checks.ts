// The edge as rendered: TLS, HSTS, HTTP→HTTPS, dashboard auth, metrics kept private, health-checked
// backends. Traefik is judged on its static + dynamic files, HAProxy on haproxy.cfg.
import { parseDuration } from '../../profile/units.js';
import { fail, judgeAll, pass, warn, type Finding, type StaticCheck, type StaticInput } from '../types.js';

const HALF_YEAR_S = 15_552_000;

/** The edge the profile runs; a render may carry both edges' files, and only this one is judged. */
function edgeKind(i: StaticInput): 'traefik' | 'haproxy' | null {
  const want = i.plan.profile.edge.kind;
  if (want === 'traefik' && i.parsed.traefikStatic) return 'traefik';
  if (want === 'haproxy' && i.parsed.haproxy) return 'haproxy';
  if (i.parsed.traefikStatic) return 'traefik';
  if (i.parsed.haproxy) return 'haproxy';
  return null;
}

/**
 * Container ports of the edge that the host publishes; null on native (or without an edge service
 * in the plan), where every address the
 * process binds is the host's own. In a container, a bind on a port that is not published is only
 * reachable on the stack network (that is how Prometheus scrapes the metrics frontend).
 */
function publishedEdgePorts(i: StaticInput): Set<number> | null {
  const edge = i.plan.services.find((x) => x.name === 'edge');
  if (i.plan.target === 'native' || !edge) return null;
  return new Set(edge.published.map((x) => x.port));
}

function noEdge(): Finding {
  return fail('no edge config rendered (neither a Traefik static file nor haproxy.cfg)');
}

function middlewares(i: StaticInput): [string, Record<string, any>, string][] {
  return (i.parsed.traefikDynamic ?? []).flatMap((d) => Object.entries<Record<string, any>>(d.doc.http?.middlewares ?? {}).map(([n, m]) => [n, m, d.path] as [string, Record<string, any>, string]));
}

function routers(i: StaticInput): [string, Record<string, any>, string][] {
  return (i.parsed.traefikDynamic ?? []).flatMap((d) => Object.entries<Record<string, any>>(d.doc.http?.routers ?? {}).map(([n, r]) => [n, r, d.path] as [string, Record<string, any>, string]));
}

function haproxyLines(i: StaticInput): string[] {
  return (i.parsed.haproxy?.text ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** frontend/listen sections that bind on a non-loopback address, with their lines. */
export function publicHaproxySections(text: string, published: Set<number> | null = null): { name: string; lines: string[] }[] {
  const sections: { name: string; lines: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    if (/^(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program)\b/.test(l)) sections.push({ name: l, lines: [] });
    else sections.at(-1)?.lines.push(l);
  }
  const loopback = (b: string) => /^bind\s+(127\.\d+\.\d+\.\d+|\[?::1\]?|localhost|unix@|\/)/.test(b);
  const unpublished = (b: string) => published !== null && !published.has(Number(/^bind\s+\S*:(\d+)/.exec(b)?.[1]));
  return sections.filter((s) => /^(frontend|listen)\b/.test(s.name) && s.lines.some((l) => l.startsWith('bind ') && !loopback(l) && !unpublished(l)));
}

/** HSTS and the HTTPS redirect only apply with TLS, which needs a domain. */
function noDomain(i: StaticInput): Finding | null {
  return i.plan.profile.project.domains.length === 0 ? warn('project.domains is empty: no TLS, so HSTS and the HTTPS redirect cannot apply') : null;
}

export const edgeChecks: StaticCheck[] = [
  {
    id: 'SEC-020', title: 'TLS terminates at the edge for the domain', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'Uploads carry user documents and API keys; without TLS both travel in clear text.',
    remediation: 'Set `project.domains` and `edge.tls.mode: acme` (or `files` with cert_file/key_file); both edges render TLS from edge.tls.',
    references: ['OWASP ASVS 9.1', 'Traefik docs: HTTPS & TLS, ACME'],
    run: (i) => {
      const domains = i.plan.profile.project.domains;
      if (domains.length === 0) return warn('project.domains is empty: no certificate can be issued (fine only for a private network)');
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const ssl = haproxyLines(i).filter((l) => /^bind\s.*\sssl\s.*crt/.test(l));
        return ssl.length ? pass(`${i.parsed.haproxy!.path}: ${ssl[0]}`) : fail(`${i.parsed.haproxy!.path}: no \`bind … ssl crt …\` line`);
      }
      if (kind !== 'traefik') return noEdge();
      const st = i.parsed.traefikStatic!;
      const resolvers = Object.keys(st.doc.certificatesResolvers ?? {});
      const tlsRouters = routers(i).filter(([, r]) => r.tls);
      const eps = Object.entries<Record<string, any>>(st.doc.entryPoints ?? {}).filter(([, e]) => String(e.address ?? '').endsWith(':443') || e.http?.tls);
      const problems: string[] = [];
      if (resolvers.length === 0) problems.push(`${st.path}: no certificatesResolvers (ACME)`);
      if (eps.length === 0) problems.push(`${st.path}: no TLS entry point`);
      if (tlsRouters.length === 0 && !eps.some(([, e]) => e.http?.tls)) problems.push('no router or entry point enables tls');
      return problems.length ? fail(...problems) : pass(`${st.path}: resolver ${resolvers.join(', ')}; TLS entry point ${eps.map(([n]) => n).join(', ')}`);
    },
  },
  {
    id: 'SEC-021', title: 'HSTS header of at least 180 days', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'HSTS stops downgrade and cookie-stripping attacks after the first visit.',
    remediation: 'Set `edge.tls.hsts.max_age` ≥ 180d (both edges render it; HAProxy: `http-response set-header Strict-Transport-Security`).',
    references: ['OWASP HTTP Strict Transport Security Cheat Sheet', 'RFC 6797'],
    run: (i) => {
      const nd = noDomain(i);
      if (nd) return nd;
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i).find((x) => /strict-transport-security/i.test(x));
        const age = Number(/max-age=(\d+)/.exec(l ?? '')?.[1] ?? 0);
        return age >= HALF_YEAR_S ? pass(`${i.parsed.haproxy!.path}: ${l}`) : fail(`${i.parsed.haproxy!.path}: ${l ?? 'no Strict-Transport-Security header'}`);
      }
      if (kind !== 'traefik') return noEdge();
      const hsts = middlewares(i).filter(([, m]) => Number(m.headers?.stsSeconds ?? 0) > 0);
      const best = hsts.sort((a, b) => b[1].headers.stsSeconds - a[1].headers.stsSeconds)[0];
      if (!best) return fail('no Traefik headers middleware sets stsSeconds');
      return best[1].headers.stsSeconds >= HALF_YEAR_S ? pass(`${best[2]}: http.middlewares.${best[0]}.headers.stsSeconds = ${best[1].headers.stsSeconds}`) : fail(`${best[2]}: http.middlewares.${best[0]}.headers.stsSeconds = ${best[1].headers.stsSeconds} (< ${HALF_YEAR_S})`);
    },
  },
  {
    id: 'SEC-022', title: 'HTTP redirects to HTTPS', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'Plain-HTTP requests must never be served: a redirect moves every client to TLS.',
    remediation: 'Set `edge.tls.https_redirect: true` (HAProxy: `http-request redirect scheme https unless { ssl_fc }`; the ACME challenge path stays on HTTP).',
    references: ['Traefik docs: EntryPoints redirections'],
    run: (i) => {
      const nd = noDomain(i);
      if (nd) return nd;
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i).find((x) => /redirect\s+(scheme\s+https|location\s+https:\/\/)/.test(x));
        return l ? pass(`${i.parsed.haproxy!.path}: ${l}`) : fail(`${i.parsed.haproxy!.path}: no \`redirect scheme https\``);
      }
      if (kind !== 'traefik') return noEdge();
      const st = i.parsed.traefikStatic!;
      const ep = Object.entries<Record<string, any>>(st.doc.entryPoints ?? {}).find(([, e]) => e.http?.redirections?.entryPoint?.to);
      if (ep) return pass(`${st.path}: entryPoints.${ep[0]}.http.redirections.entryPoint.to = ${ep[1].http.redirections.entryPoint.to}`);
      const mw = middlewares(i).find(([, m]) => m.redirectScheme?.scheme === 'https');
      return mw ? pass(`${mw[2]}: http.middlewares.${mw[0]}.redirectScheme.scheme = https`) : fail(`${st.path}: no entry point redirection and no redirectScheme middleware`);
    },
  },
  {
    id: 'SEC-025', title: 'Edge refuses TLS below 1.2', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'TLS 1.0 and 1.1 are deprecated (RFC 8996) and allow downgrades to weak ciphers.',
    remediation: 'Render the edge from edge.tls (HAProxy: `ssl-min-ver TLSv1.2` on the bind or in ssl-default-bind-options; Traefik: tls.options.default.minVersion VersionTLS12).',
    references: ['RFC 8996', 'Mozilla Server Side TLS: intermediate'],
    run: (i) => {
      if (i.plan.profile.project.domains.length === 0) return warn('project.domains is empty: no TLS, so no minimum version applies');
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i);
        const ssl = l.filter((x) => /^bind\s.*\sssl\b/.test(x));
        if (!ssl.length) return fail(`${i.parsed.haproxy!.path}: no \`bind … ssl\` line`);
        const global = l.find((x) => /^ssl-default-bind-options\s.*ssl-min-ver\s+TLSv1\.[23]\b/.test(x));
        const floor = (b: string) => /\sssl-min-ver\s+TLSv1\.[23]\b/.test(b) || (/\sno-tlsv10\b/.test(b) && /\sno-tlsv11\b/.test(b)) || (global !== undefined && !/\sssl-min-ver\s/.test(b));
        const weak = ssl.filter((b) => !floor(b));
        return judgeAll(weak.map((b) => `${i.parsed.haproxy!.path}: ${b} (no ssl-min-ver TLSv1.2)`), `${i.parsed.haproxy!.path}: ${global ?? ssl.join('; ')}`);
      }
      if (kind !== 'traefik') return noEdge();
      const opts = (i.parsed.traefikDynamic ?? []).flatMap((d) => Object.entries<Record<string, any>>(d.doc.tls?.options ?? {}).map(([n, o]) => [n, o, d.path] as const));
      const weak = opts.filter(([, o]) => o.minVersion !== undefined && !['VersionTLS12', 'VersionTLS13'].includes(o.minVersion));
      if (weak.length) return fail(...weak.map(([n, o, p]) => `${p}: tls.options.${n}.minVersion = ${o.minVersion}`));
      const set = opts.find(([, o]) => o.minVersion);
      return pass(set ? `${set[2]}: tls.options.${set[0]}.minVersion = ${set[1].minVersion}` : "no tls.options minVersion: Traefik's default is VersionTLS12");
    },
  },
  {
    id: 'SEC-023', title: 'Edge dashboard behind authentication', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'The Traefik dashboard / HAProxy stats page reveal every route and backend and, on HAProxy, can change server state.',
    remediation: 'Keep `api.insecure` off and route api@internal through a basicAuth middleware (HAProxy: `stats auth`).',
    references: ['Traefik docs: API & Dashboard security', 'HAProxy docs: stats auth'],
    run: (i) => {
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const open = publicHaproxySections(i.parsed.haproxy!.text, publishedEdgePorts(i)).filter((sec) => sec.lines.some((l) => /^stats\s+(uri|enable)/.test(l)) && !sec.lines.some((l) => /^stats\s+auth\s/.test(l)));
        return judgeAll(open.map((sec) => `${i.parsed.haproxy!.path}: ${sec.name} serves the stats page publicly without stats auth`), `${i.parsed.haproxy!.path}: no public stats page without auth`);
      }
      if (kind !== 'traefik') return noEdge();
      const st = i.parsed.traefikStatic!;
      if (st.doc.api?.insecure === true) return fail(`${st.path}: api.insecure = true (dashboard open on :8080)`);
      const authNames = new Set(middlewares(i).filter(([, m]) => m.basicAuth || m.digestAuth || m.forwardAuth).map(([n]) => n));
      const dash = routers(i).filter(([, r]) => String(r.service ?? '') === 'api@internal');
      const open = dash.filter(([, r]) => !(r.middlewares ?? []).some((m: string) => authNames.has(String(m).replace(/@.*$/, ''))));
      if (open.length) return fail(...open.map(([n, , p]) => `${p}: http.routers.${n} serves api@internal without an auth middleware`));
      return pass(dash.length ? `dashboard routers ${dash.map(([n]) => n).join(', ')} use ${[...authNames].join(', ')}` : 'dashboard not routed');
    },
  },
  {
    id: 'SEC-024', title: 'Metrics are never routed publicly', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'Metrics endpoints leak internals (routes, queue depth, versions) and are an easy DoS target.',
    remediation: 'Serve /metrics only on the internal network (separate metrics port, no public router).',
    references: ['Prometheus docs: Security model'],
    run: (i) => {
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const bad = publicHaproxySections(i.parsed.haproxy!.text, publishedEdgePorts(i)).flatMap((sec) => sec.lines.filter((l) => /\/metrics|prometheus-exporter/.test(l)).map((l) => `${i.parsed.haproxy!.path}: ${sec.name}: ${l}`));
        return judgeAll(bad, `${i.parsed.haproxy!.path}: no public frontend routes metrics`);
      }
      if (kind !== 'traefik') return noEdge();
      const st = i.parsed.traefikStatic!;
      const bad = routers(i).filter(([, r]) => /\/metrics/.test(String(r.rule ?? '')) || String(r.service ?? '') === 'prometheus@internal').map(([n, , p]) => `${p}: http.routers.${n} routes metrics`);
      const ep = st.doc.metrics?.prometheus?.entryPoint;
      const publicEps = Object.entries<Record<string, any>>(st.doc.entryPoints ?? {}).filter(([, e]) => /:(80|443)$/.test(String(e.address ?? ''))).map(([n]) => n);
      if (st.doc.metrics?.prometheus && (ep === undefined ? publicEps.includes('traefik') : publicEps.includes(ep))) bad.push(`${st.path}: metrics.prometheus.entryPoint = ${ep ?? 'traefik'} is public`);
      return judgeAll(bad, 'no router serves /metrics; Traefik metrics on a private entry point');
    },
  },
  {
    id: 'REL-020', title: 'Edge health-checks the API replicas', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Without an active health check the edge keeps sending requests to a replica that is starting, draining or hung.',
    remediation: 'Give the API load balancer a health check (HAProxy: `option httpchk GET /livez` and `check` on the servers or on `default-server`).',
    references: ['Traefik docs: loadBalancer.healthCheck', 'HAProxy docs: option httpchk'],
    run: (i) => {
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i);
        const chk = l.find((x) => /^option\s+httpchk/.test(x)) ?? l.find((x) => /^http-check\s+send/.test(x));
        // `check` on each server, or once on default-server (servers added at run time inherit it).
        const checked = l.find((x) => /^(server|server-template|default-server)\b.*\scheck\b/.test(x));
        return chk && checked ? pass(`${i.parsed.haproxy!.path}: ${chk}; ${checked}`) : fail(`${i.parsed.haproxy!.path}: no option httpchk with checked servers`);
      }
      if (kind !== 'traefik') return noEdge();
      const svcs = (i.parsed.traefikDynamic ?? []).flatMap((d) => Object.entries<Record<string, any>>(d.doc.http?.services ?? {}).map(([n, s]) => [n, s, d.path] as const));
      const labels = i.parsed.compose ? JSON.stringify(i.parsed.compose.doc).match(/loadbalancer\.healthcheck\.path[^,]*/gi) : null;
      const hc = svcs.find(([, s]) => s.loadBalancer?.healthCheck?.path);
      if (hc) return pass(`${hc[2]}: http.services.${hc[0]}.loadBalancer.healthCheck.path = ${hc[1].loadBalancer.healthCheck.path}`);
      if (labels?.length) return pass(`${i.parsed.compose!.path}: label ${labels[0]}`);
      return fail('no Traefik service defines loadBalancer.healthCheck');
    },
  },
  {
    id: 'REL-021', title: 'Edge notices a draining replica within the drain window', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'A SIGTERM\'d replica serves for api.drain_window, then closes. If the edge needs longer to notice (HAProxy: inter × fall), it keeps sending requests to a closed port and clients see errors.',
    remediation: 'Render the edge from the profile (prodctl derives inter/fall from api.drain_window), or make the check interval × fall shorter than api.drain_window.',
    references: ['HAProxy docs: inter, fall, rise', 'Traefik docs: loadBalancer.healthCheck'],
    run: (i) => {
      const drainMs = parseDuration(i.plan.profile.api.drain_window);
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i);
        const dflt = l.find((x) => /^default-server\b/.test(x)) ?? '';
        const servers = l.filter((x) => /^(server|server-template)\b.*\scheck\b/.test(x));
        const judged = (servers.length ? servers : [dflt]).map((x) => ({ line: x, ms: haproxyDetectionMs(x, dflt) }));
        const slow = judged.filter((x) => x.ms >= drainMs).map((x) => `${i.parsed.haproxy!.path}: \`${x.line}\` notices a failed replica after ${x.ms} ms, api.drain_window is ${drainMs} ms`);
        return judgeAll(slow, `${i.parsed.haproxy!.path}: detection ${Math.max(...judged.map((x) => x.ms))} ms < api.drain_window ${drainMs} ms`);
      }
      if (kind !== 'traefik') return noEdge();
      const svcs = (i.parsed.traefikDynamic ?? []).flatMap((d) => Object.entries<Record<string, any>>(d.doc.http?.services ?? {}).map(([n, s]) => [n, s, d.path] as const));
      const hc = svcs.filter(([, s]) => s.loadBalancer?.healthCheck);
      if (!hc.length) return fail('no Traefik service defines loadBalancer.healthCheck');
      // Traefik drops a server after one failed check: at most interval + timeout.
      const judged = hc.map(([n, s, p]) => ({ where: `${p}: http.services.${n}.loadBalancer.healthCheck`, ms: parseDuration(s.loadBalancer.healthCheck.interval ?? '30s') + parseDuration(s.loadBalancer.healthCheck.timeout ?? '5s') }));
      const slow = judged.filter((x) => x.ms >= drainMs).map((x) => `${x.where} notices a failed replica after ${x.ms} ms, api.drain_window is ${drainMs} ms`);
      return judgeAll(slow, `${judged[0].where}: detection ${judged[0].ms} ms < api.drain_window ${drainMs} ms`);
    },
  },
  {
    id: 'PERF-005', title: 'Edge limits request rate and connections', category: 'performance', severity: 'medium', scope: 'static', section: 'services',
    rationale: 'A global limit at the edge absorbs floods before they reach the API replicas and their database pools.',
    remediation: 'Attach a rateLimit middleware to the API router (HAProxy: `maxconn` in global and frontend).',
    references: ['Traefik docs: RateLimit middleware', 'HAProxy docs: maxconn'],
    run: (i) => {
      const kind = edgeKind(i);
      if (kind === 'haproxy') {
        const l = haproxyLines(i).find((x) => /^maxconn\s+\d+/.test(x));
        return l ? pass(`${i.parsed.haproxy!.path}: ${l}`) : fail(`${i.parsed.haproxy!.path}: no maxconn`);
      }
      if (kind !== 'traefik') return noEdge();
      const rl = middlewares(i).filter(([, m]) => m.rateLimit);
      if (!rl.length) return fail('no Traefik rateLimit middleware');
      const names = new Set(rl.map(([n]) => n));
      const used = routers(i).filter(([, r]) => (r.middlewares ?? []).some((m: string) => names.has(String(m).replace(/@.*$/, ''))));
      return used.length ? pass(`${rl[0][2]}: http.middlewares.${rl[0][0]}.rateLimit.average = ${rl[0][1].rateLimit.average} on router ${used.map(([n]) => n).join(', ')}`) : fail(`rateLimit middleware ${[...names].join(', ')} is not attached to any router`);
    },
  },
];

/** inter × fall of a server line, falling back to default-server, then HAProxy's defaults (2 s, 3). */
export function haproxyDetectionMs(line: string, defaultServer: string): number {
  const arg = (name: string) => new RegExp(`\\s${name}\\s+(\\S+)`).exec(line)?.[1] ?? new RegExp(`\\s${name}\\s+(\\S+)`).exec(defaultServer)?.[1];
  const inter = arg('inter') ?? '2000';
  const interMs = /^\d+$/.test(inter) ? Number(inter) : parseDuration(inter);
  return interMs * Number(arg('fall') ?? 3);
}
