// Monitoring as rendered: alert rules cover what pages people, Prometheus scrapes every part,
// Alertmanager has somewhere to send alerts.
import { METRICS } from '../../contract/metrics.js';
import type { AlertRule } from '../parse-rendered.js';
import { fail, pass, type Finding, type StaticCheck, type StaticInput } from '../types.js';

/** Passes when, for each need, some alert rule's expr matches it; names the rules found. */
function rulesCover(i: StaticInput, needs: Record<string, RegExp>): Finding {
  if (i.parsed.alertRules.length === 0) return fail('no alert rule file rendered (no YAML with groups[].rules[].alert)');
  const found: string[] = [];
  const missing: string[] = [];
  for (const [need, re] of Object.entries(needs)) {
    const hit: AlertRule | undefined = i.parsed.alertRules.find((r) => re.test(r.expr));
    if (hit) found.push(`${need}: ${hit.file}: alert ${hit.alert}`);
    else missing.push(`${need}: no alert rule whose expr matches ${re}`);
  }
  return missing.length ? fail(...missing) : pass(...found);
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export const monitoringChecks: StaticCheck[] = [
  {
    id: 'OPS-002', title: 'Alert rules for the golden signals', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'Latency, errors and availability are what users feel; each needs an alert before users report it.',
    remediation: 'Keep the rendered alert rules (prodctl renders latency, 5xx ratio and target-down alerts) enabled.',
    references: ['Google SRE book: The four golden signals'],
    run: (i) =>
      rulesCover(i, {
        latency: new RegExp(`histogram_quantile\\(.*${esc(METRICS.httpDuration.name)}`),
        errors: /status=~?"5|code=~?"5/,
        availability: /\bup\s*==\s*0|absent\(/,
      }),
  },
  {
    id: 'OPS-003', title: 'Alert rules for the queue', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'A growing backlog or stuck jobs are the first sign that workers are down or too few.',
    remediation: 'Keep the queue depth / oldest-waiting-age alert rules.',
    references: ['BullMQ docs: Going to production (monitoring)'],
    run: (i) => rulesCover(i, { queue: new RegExp(`${esc(METRICS.queueJobs.name)}|${esc(METRICS.queueOldestWaitingAge.name)}`) }),
  },
  {
    id: 'OPS-004', title: 'Alert rules for Postgres', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'Postgres down or near max_connections takes the whole service with it.',
    remediation: 'Keep the pg_up / connection-saturation alert rules (needs the postgres exporter).',
    references: ['postgres_exporter docs'],
    run: (i) => rulesCover(i, { postgres: /\bpg_up\b|pg_stat_activity|pg_settings_max_connections/ }),
  },
  {
    id: 'OPS-005', title: 'Alert rules for Redis', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'Redis down or at maxmemory stops every job submission.',
    remediation: 'Keep the redis_up / memory alert rules (needs the redis exporter).',
    references: ['redis_exporter docs'],
    run: (i) => rulesCover(i, { redis: /\bredis_up\b|redis_memory_used_bytes/ }),
  },
  {
    id: 'OPS-006', title: 'Alert rules for disk space', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'A full disk stops Postgres writes, Redis AOF and uploads at the same moment.',
    remediation: 'Keep the node_filesystem_avail_bytes alert rule (needs the node exporter).',
    references: ['node_exporter docs: filesystem collector'],
    run: (i) => rulesCover(i, { disk: /node_filesystem_(avail|free)_bytes/ }),
  },
  {
    id: 'OPS-007', title: 'Alert rule for backup staleness', category: 'operability', severity: 'high', scope: 'static', section: 'backups',
    rationale: 'Backups that silently stopped are found on the day of the restore unless an alert fires.',
    remediation: 'Keep the backup-staleness rule on the backup textfile metrics.',
    references: ['Production checklist: backups'],
    run: (i) => rulesCover(i, { backup: new RegExp(`${esc(METRICS.backupLastSuccess.name)}|${esc(METRICS.backupLastVerifyOk.name)}`) }),
  },
  {
    id: 'OPS-008', title: 'Alertmanager routes to a real receiver', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'An alert that goes nowhere is the same as no alert.',
    remediation: 'Configure `monitoring.alertmanager.receivers` with a webhook or e-mail.',
    references: ['Alertmanager docs: Configuration (route, receiver)'],
    run: (i) => {
      const am = i.parsed.alertmanager;
      if (!am) return fail('no Alertmanager config rendered');
      const name = am.doc.route?.receiver;
      const r = (am.doc.receivers as Record<string, any>[]).find((x) => x.name === name);
      if (!r) return fail(`${am.path}: route.receiver = ${name ?? 'unset'} names no receiver`);
      const kinds = Object.keys(r).filter((k) => k.endsWith('_configs') && Array.isArray(r[k]) && r[k].length > 0);
      return kinds.length ? pass(`${am.path}: route.receiver = ${name} (${kinds.join(', ')})`) : fail(`${am.path}: receiver ${name} has no *_configs: alerts are dropped`);
    },
  },
  {
    id: 'OPS-009', title: 'Prometheus scrapes every part and loads the rules', category: 'operability', severity: 'high', scope: 'static', section: 'monitoring',
    rationale: 'Any part that is not scraped has no alerts; rules that are not loaded never fire.',
    remediation: 'Keep the rendered scrape jobs for api, worker, exporters; keep rule_files and alerting.alertmanagers.',
    references: ['Prometheus docs: Configuration'],
    run: (i) => {
      const p = i.parsed.prometheus;
      if (!p) return fail('no Prometheus config rendered');
      const jobs = ((p.doc.scrape_configs ?? []) as Record<string, any>[]).map((j) => String(j.job_name));
      const needs = ['api', 'worker', 'postgres', 'redis', 'node'];
      const missing = needs.filter((n) => !jobs.some((j) => j.includes(n))).map((n) => `${p.path}: no scrape job for ${n} (jobs: ${jobs.join(', ')})`);
      if (!(p.doc.rule_files ?? []).length) missing.push(`${p.path}: rule_files is empty`);
      if (!(p.doc.alerting?.alertmanagers ?? []).length) missing.push(`${p.path}: alerting.alertmanagers is empty`);
      return missing.length ? fail(...missing) : pass(`${p.path}: jobs ${jobs.join(', ')}; rule_files ${p.doc.rule_files.join(', ')}`);
    },
  },
];
