// Live checks over HTTP: readiness of every replica, auth and rate limits enforced, Prometheus and
// Alertmanager doing their job.
import { HEALTH_PATHS } from '../../contract/index.js';
import { ENV } from '../../contract/env.js';
import { fail, judgeAll, pass, warn, type LiveCheck, type LiveInput } from '../types.js';
import { appEnv, probing } from './live-helpers.js';

/** A route that needs credentials on the runtime: job status of an id that does not exist. */
export const DISCOVERY_GRACE_S = 30;

/** Seconds since Prometheus started (runtimeinfo), or null when it does not say. */
export async function prometheusAgeSeconds(i: LiveInput, url: string): Promise<number | null> {
  const r = await i.probes.http(`${url}/api/v1/status/runtimeinfo`);
  const start = r.status === 200 ? Date.parse(JSON.parse(r.body).data?.startTime ?? '') : NaN;
  return Number.isFinite(start) ? (Date.now() - start) / 1000 : null;
}

export const PROTECTED_PATH = '/v1/jobs/00000000-0000-0000-0000-000000000000';

const apiUrl = (a: { host: string; port: number }, p: string) => `http://${a.host}:${a.port}${p}`;

function noApi(i: LiveInput) {
  return fail(`${i.probes.endpointsSource}: no api replica listed`);
}

export const serviceLiveChecks: LiveCheck[] = [
  {
    id: 'REL-103', title: 'Every API replica answers /readyz', category: 'reliability', severity: 'critical', scope: 'live', section: 'services',
    rationale: 'A replica that is not ready gets no traffic; if none is, the service is down.',
    remediation: 'Read the replica\'s logs (`prodctl logs api`); /readyz names the dependency that is not ready.',
    references: ['Kubernetes docs: liveness, readiness probes'],
    run: async (i) => {
      if (!i.probes.endpoints.api.length) return noApi(i);
      const answers = await Promise.all(i.probes.endpoints.api.map(async (a) => ({ a, r: await i.probes.http(apiUrl(a, HEALTH_PATHS.ready)) })));
      const lines = answers.map(({ a, r }) => `${a.id} ${apiUrl(a, HEALTH_PATHS.ready)} → ${r.status || r.error}`);
      return answers.every(({ r }) => r.status === 200) ? pass(...lines) : fail(...lines.filter((_, k) => answers[k].r.status !== 200));
    },
  },
  {
    id: 'SEC-101', title: 'Auth is enforced on a protected route', category: 'security', severity: 'critical', scope: 'live', section: 'security',
    rationale: 'A configuration or code change can leave a route open; only a real request proves it is not.',
    remediation: 'Check `api.auth` and the API_KEY_PEPPER_FILE / OIDC settings of the running replicas; redeploy.',
    references: ['OWASP API Security Top 10: API2 Broken Authentication'],
    run: async (i) => {
      const a = i.probes.endpoints.api[0];
      if (!a) return noApi(i);
      const anon = await i.probes.http(apiUrl(a, PROTECTED_PATH));
      const bogus = await i.probes.http(apiUrl(a, PROTECTED_PATH), { headers: { authorization: 'Bearer pk_prodctl_check_invalid' } });
      const ev = [`GET ${apiUrl(a, PROTECTED_PATH)} without credentials → ${anon.status || anon.error}`, `with an invalid key → ${bogus.status || bogus.error}`];
      // A source that failed too often is refused before its credentials are read (429
      // auth_rate_limited): that is auth enforced too, and repeated checks get it.
      const refused = (r: typeof anon) => r.status === 401 || (r.status === 429 && r.body.includes('"auth_rate_limited"'));
      return refused(anon) && refused(bogus) ? pass(...ev) : fail(...ev);
    },
  },
  {
    id: 'PERF-101', title: 'Per-user rate limit is enforced', category: 'performance', severity: 'high', scope: 'live', section: 'services',
    rationale: 'The limit in the config only protects the service if the replicas apply it (shared Redis buckets, right user).',
    remediation: 'Check RATE_* settings and the Redis connection of the API; create the check user: `prodctl keys create --user prodctl-check --json`.',
    references: ['OWASP API Security Top 10: API4 Unrestricted Resource Consumption'],
    run: async (i) => {
      const a = i.probes.endpoints.api[0];
      if (!a) return noApi(i);
      if (!i.probes.checkApiKey) return warn('no API key for the check user: create one with `prodctl keys create --user prodctl-check --json` and pass --api-key-file');
      const burst = Number(appEnv(i, 'api', ENV.rateBurst) ?? 40) || 40;
      const count = Math.min(400, burst * 2 + 10);
      const statuses = await i.probes.httpBurst(apiUrl(a, PROTECTED_PATH), count, { authorization: `Bearer ${i.probes.checkApiKey}` });
      const tally = Object.entries(statuses.reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {})).map(([s, n]) => `${s}×${n}`).join(', ');
      const ev = `${count} requests at once as the check user to ${apiUrl(a, PROTECTED_PATH)} (burst ${burst}): ${tally}`;
      if (statuses.includes(401)) return fail(ev, 'the check user\'s API key was refused');
      return statuses.includes(429) && !statuses.some((s) => s >= 500 || s === 0) ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'OPS-101', title: 'Every Prometheus target is up', category: 'operability', severity: 'high', scope: 'live', section: 'monitoring',
    rationale: 'A target that is down is either an outage or a blind spot; both need a human.',
    remediation: 'Open Prometheus /targets; start the exporter or the service named in the evidence.',
    references: ['Prometheus docs: HTTP API /api/v1/targets'],
    run: (i) =>
      probing('prometheus', async () => {
        const url = i.probes.endpoints.prometheus?.url;
        if (!url) return fail(`${i.probes.endpointsSource}: no prometheus url`);
        const r = await i.probes.http(`${url}/api/v1/targets?state=active`);
        if (r.status !== 200) return fail(`GET ${url}/api/v1/targets → ${r.status || r.error}`);
        const targets = (JSON.parse(r.body).data?.activeTargets ?? []) as { labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }[];
        if (!targets.length) {
          // Discovery runs a moment after start: an empty list from a Prometheus seconds old is not yet an answer.
          const age = await prometheusAgeSeconds(i, url);
          return age !== null && age < DISCOVERY_GRACE_S ? warn(`${url}: no active targets yet (Prometheus started ${Math.round(age)} s ago) — run the check again in a few seconds`) : fail(`${url}: no active targets`);
        }
        const down = targets.filter((t) => t.health === 'down');
        // 'unknown' = discovered but not scraped yet (right after `up`): not evidence of an outage.
        const pending = targets.filter((t) => t.health === 'unknown');
        if (!down.length && pending.length) return warn(...pending.map((t) => `${t.labels.job} ${t.scrapeUrl}: not scraped yet — run the check again after one scrape interval`));
        return judgeAll(down.map((t) => `${t.labels.job} ${t.scrapeUrl}: ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`), `${url}: ${targets.length} targets up (${[...new Set(targets.map((t) => t.labels.job))].join(', ')})`);
      }),
  },
  {
    id: 'OPS-102', title: 'Alert rules are loaded', category: 'operability', severity: 'high', scope: 'live', section: 'monitoring',
    rationale: 'A rule file that failed to load (or was never mounted) means no alert fires.',
    remediation: 'Check the Prometheus log for rule errors; `promtool check rules` the rendered file; reload Prometheus.',
    references: ['Prometheus docs: HTTP API /api/v1/rules'],
    run: (i) =>
      probing('prometheus', async () => {
        const url = i.probes.endpoints.prometheus?.url;
        if (!url) return fail(`${i.probes.endpointsSource}: no prometheus url`);
        const r = await i.probes.http(`${url}/api/v1/rules?type=alert`);
        if (r.status !== 200) return fail(`GET ${url}/api/v1/rules → ${r.status || r.error}`);
        const loaded = new Set<string>(((JSON.parse(r.body).data?.groups ?? []) as { rules: { name: string }[] }[]).flatMap((g) => g.rules.map((x) => x.name)));
        const missing = i.parsed.alertRules.filter((x) => !loaded.has(x.alert)).map((x) => x.alert);
        if (loaded.size === 0) return fail(`${url}: no alerting rules loaded`);
        return missing.length ? fail(`${url}: rendered rules not loaded: ${missing.join(', ')}`) : pass(`${url}: ${loaded.size} alerting rules loaded`);
      }),
  },
  {
    id: 'OPS-103', title: 'Alertmanager is reachable', category: 'operability', severity: 'high', scope: 'live', section: 'monitoring',
    rationale: 'Prometheus can evaluate every rule and still page nobody if Alertmanager is down.',
    remediation: 'Start Alertmanager; `amtool check-config` the rendered config.',
    references: ['Alertmanager docs: management API /-/ready'],
    run: async (i) => {
      const url = i.probes.endpoints.alertmanager?.url;
      if (!url) return fail(`${i.probes.endpointsSource}: no alertmanager url`);
      const r = await i.probes.http(`${url}/-/ready`);
      return r.status === 200 ? pass(`GET ${url}/-/ready → 200`) : fail(`GET ${url}/-/ready → ${r.status || r.error}`);
    },
  },
];
