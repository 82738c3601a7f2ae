// SLOs and uptime from outside, as rendered: burn-rate alerts on the SLO error ratios, and the
// blackbox exporter's probes of the edge (its public /readyz and an authenticated status call).
import { parse as parseYaml } from 'yaml';
import { PROBES } from '../../templates/monitoring/blackbox.js';
import { fail, pass, warn, type StaticCheck, type StaticInput } from '../types.js';

/** The blackbox exporter's config: a YAML whose `modules` hold probers. */
function findBlackboxConfig(i: StaticInput): { path: string; modules: Record<string, any> } | null {
  for (const f of i.files) {
    if (!/\.ya?ml$/.test(f.path) || !/^modules:/m.test(f.content)) continue;
    try {
      const doc = parseYaml(f.content) as { modules?: Record<string, any> };
      if (doc?.modules && Object.values(doc.modules).some((m) => m?.prober)) return { path: f.path, modules: doc.modules };
    } catch {
      // OPS-000 reports unreadable files.
    }
  }
  return null;
}

function judgeSloProbes(i: StaticInput) {
  const problems: string[] = [];
  const missingKey: string[] = [];
  const found: string[] = [];
  const burn = i.parsed.alertRules.filter((r) => /slo:sli_error:ratio_rate/.test(r.expr));
  if (burn.length) found.push(`${burn[0].file}: ${burn.length} burn-rate alert rule(s) on the SLO error ratios`);
  else problems.push('no alert rule reads slo:sli_error:ratio_rate*: the SLOs have no burn-rate alerts (slo.burn_alerts, slo.objectives)');
  const prom = i.parsed.prometheus;
  const jobs = ((prom?.doc.scrape_configs ?? []) as Record<string, any>[]).filter((j) => j.metrics_path === '/probe');
  const bb = findBlackboxConfig(i);
  for (const p of Object.values(PROBES)) {
    const job = jobs.find((j) => (j.params?.module ?? []).includes(p.module));
    // The status probe needs an API key, which exists only once the stack runs (native mints it at
    // `up`; engine targets name it in slo.probes.api_key_secret): without one it is a warning.
    if (!job && p.module === PROBES.status.module) missingKey.push(`${prom?.path ?? 'prometheus.yml'}: no probe job with module ${p.module} (${p.path}) — on native \`prodctl up\` mints its key; on engine targets set slo.probes.api_key_secret to a key of \`prodctl keys create --user prodctl-probe\``);
    else if (!job) problems.push(`${prom?.path ?? 'prometheus.yml'}: no probe job with module ${p.module} (${p.path}) — set slo.probes.enabled: true`);
    else if (!bb?.modules[p.module]) problems.push(`${bb?.path ?? 'blackbox.yml'}: job ${job.job_name} asks for module ${p.module}, which the blackbox config does not define`);
    else found.push(`${prom!.path}: job ${job.job_name} probes ${p.path} with ${bb.path}: ${p.module}`);
  }
  if (problems.length) return fail(...problems, ...missingKey);
  return missingKey.length ? warn(...missingKey, ...found) : pass(...found);
}

export const sloChecks: StaticCheck[] = [
  {
    id: 'OPS-011', title: 'SLOs with burn-rate alerts, and the edge probed from outside', category: 'operability', severity: 'medium', scope: 'static', section: 'monitoring',
    rationale: 'Uptime is only measurable with objectives and an error budget; an outage no request reached (the edge down) is seen only by a probe from outside.',
    remediation: 'Keep slo.objectives and slo.burn_alerts enabled, slo.probes.enabled: true, and on engine targets set slo.probes.api_key_secret for the status probe.',
    references: ['Google SRE Workbook: Alerting on SLOs', 'Prometheus blackbox exporter'],
    run: judgeSloProbes,
  },
];
