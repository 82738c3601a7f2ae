// prometheus/prometheus.yml and prometheus/rules/<group>.yml. Pure.
import { stringify } from 'yaml';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import { RUNBOOK_DOC, runbookAnchor, type AlertRule } from './alert-rules.js';
import { formatPromSeconds, type MonitoringSettings } from './monitoring-settings.js';
import { buildProbeScrapeConfigs, probesEnabled } from './blackbox.js';
import { discoveryFor, listScrapeJobs } from './scrape-jobs.js';

export const RULES_DIR = 'rules';

/** `probeKey`: whether the blackbox exporter has an API key for the authenticated status probe. */
export function renderPrometheusConfig(plan: StackPlan, s: MonitoringSettings, ruleGroups: string[], extraRuleFiles: string[] = [], probeKey = false): RenderedFile {
  const jobs = listScrapeJobs(plan);
  const am = jobs.find((j) => j.job === 'alertmanager')!;
  const config = {
    global: {
      scrape_interval: `${s.scrapeSeconds}s`,
      evaluation_interval: formatPromSeconds(s.evaluationSeconds),
      // A scrape must end before the next one starts.
      scrape_timeout: `${Math.max(1, Math.min(10, Math.floor(s.scrapeSeconds * 0.8)))}s`,
      external_labels: { project: plan.project, environment: plan.profile.project.environment },
    },
    rule_files: [...ruleGroups.map((g) => `${RULES_DIR}/${g}.yml`), ...extraRuleFiles],
    alerting: { alertmanagers: [{ ...discoveryFor(plan, am, s.discoveryRefresh) }] },
    scrape_configs: [
      ...jobs.map((j) => ({ job_name: j.job, metrics_path: j.metricsPath, ...discoveryFor(plan, j, s.discoveryRefresh) })),
      ...(probesEnabled(plan) ? buildProbeScrapeConfigs(plan, probeKey, s.discoveryRefresh) : []),
    ],
  };
  return { path: 'prometheus/prometheus.yml', content: header('Prometheus configuration') + stringify(config, { lineWidth: 0 }) };
}

export function renderRuleFiles(rules: AlertRule[], runbookBase: string): RenderedFile[] {
  const groups = [...new Set(rules.map((r) => r.group))];
  return groups.map((group) => {
    const doc = {
      groups: [
        {
          name: `prodctl-${group}`,
          rules: rules
            .filter((r) => r.group === group)
            .map((r) => ({
              alert: r.alert,
              expr: r.expr,
              ...(r.for ? { for: r.for } : {}),
              labels: { severity: r.severity, service: group },
              annotations: { summary: r.summary, description: r.description, runbook_url: `${runbookBase}#${runbookAnchor(r.alert)}` },
            })),
        },
      ],
    };
    return { path: `prometheus/${RULES_DIR}/${group}.yml`, content: header(`Alert rules: ${group}`) + stringify(doc, { lineWidth: 0 }) };
  });
}

export function defaultRunbookBase(): string {
  return RUNBOOK_DOC;
}

export function header(what: string): string {
  return `# ${what}. Rendered by prodctl from the profile; edit the profile, not this file.\n`;
}
