// Uptime from outside, live: the blackbox exporter's latest probes of the edge, as Prometheus
// recorded them. A probe that fails is what a user outside sees, whatever the API's own metrics say.
import { PROBE_SUCCESS_SELECTOR } from '../../templates/monitoring/blackbox.js';
import { fail, judgeAll, skip, warn, type LiveCheck, type LiveInput } from '../types.js';
import { probing } from './live-helpers.js';
import { DISCOVERY_GRACE_S, prometheusAgeSeconds } from './service-live.js';

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(i: LiveInput, url: string, expr: string): Promise<Sample[]> {
  const r = await i.probes.http(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  if (r.status !== 200) throw new Error(`GET ${url}/api/v1/query → ${r.status || r.error}`);
  return (JSON.parse(r.body).data?.result ?? []) as Sample[];
}

export const probeLiveChecks: LiveCheck[] = [
  {
    id: 'OPS-105', title: 'The edge answers the black-box probes', category: 'operability', severity: 'high', scope: 'live', section: 'monitoring',
    rationale: 'The probes are the availability users outside see; a failing probe is an outage even when no request reached the API.',
    remediation: 'Open Prometheus and look at probe_success and probe_http_status_code by job; fix the edge or the API named in the evidence (a 401 on probe_status: the probe key was revoked or is wrong).',
    references: ['Prometheus blackbox exporter', 'Google SRE Workbook: Implementing SLOs'],
    run: (i) =>
      probing('prometheus', async () => {
        if (!i.plan.profile.monitoring.enabled || !i.plan.profile.slo.probes.enabled) return skip('slo.probes.enabled is false: nothing probes the edge (OPS-011)');
        const url = i.probes.endpoints.prometheus?.url;
        if (!url) return fail(`${i.probes.endpointsSource}: no prometheus url`);
        const [success, codes] = await Promise.all([query(i, url, PROBE_SUCCESS_SELECTOR), query(i, url, 'probe_http_status_code')]);
        if (!success.length) {
          const age = await prometheusAgeSeconds(i, url);
          if (age !== null && age < DISCOVERY_GRACE_S) return warn(`${url}: no probe results yet (Prometheus started ${Math.round(age)} s ago) — run the check again in a few seconds`);
          return fail(`${url}: ${PROBE_SUCCESS_SELECTOR} has no series: the blackbox exporter is not scraped`);
        }
        const code = (s: Sample) => codes.find((c) => c.metric.job === s.metric.job && c.metric.instance === s.metric.instance)?.value[1] ?? '?';
        const line = (s: Sample) => `${s.metric.job} ${s.metric.instance}: ${s.value[1] === '1' ? 'succeeded' : 'FAILED'} (HTTP ${code(s)})`;
        return judgeAll(success.filter((s) => s.value[1] !== '1').map(line), success.map(line).join('; '));
      }),
  },
];
