// Entry point of the monitoring renderers: Prometheus config and rules, Alertmanager, Grafana.
// Called by templates/render-all.ts. Pure: plan in, files out.
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import { buildAlertRules, type AlertRule } from './alert-rules.js';
import { engineProbeKeyFile, probesEnabled, renderBlackboxConfig } from './blackbox.js';
import { buildDashboards, listDashboardExpressions, type DashboardSpec } from './dashboards.js';
import { deriveMonitoringSettings, type MonitoringSettings } from './monitoring-settings.js';
import { renderAlertmanagerConfig } from './render-alertmanager.js';
import { renderGrafana } from './render-grafana.js';
import { defaultRunbookBase, renderPrometheusConfig, renderRuleFiles } from './render-prometheus.js';
import { SLO_RULES_FILE, renderSloRules } from './render-slo-rules.js';
import { buildSloDashboard } from './slo-dashboard.js';
import { buildSloAlertRules, buildSloRecordingRules } from './slo-model.js';

export interface MonitoringModel {
  settings: MonitoringSettings;
  rules: AlertRule[];
  dashboards: DashboardSpec[];
}

export function buildMonitoringModel(plan: StackPlan): MonitoringModel {
  const settings = deriveMonitoringSettings(plan);
  return { settings, rules: buildAlertRules(settings), dashboards: [...buildDashboards(settings), buildSloDashboard(plan.profile.slo)] };
}

/** `probeKeyFile`: where the blackbox exporter reads the status probe's API key (default: the engine targets' secret, if any). */
export function renderMonitoring(plan: StackPlan, opts: { runbookBaseUrl?: string; probeKeyFile?: string | null } = {}): RenderedFile[] {
  if (!plan.profile.monitoring.enabled) return [];
  const { settings, rules, dashboards } = buildMonitoringModel(plan);
  const keyFile = opts.probeKeyFile !== undefined ? opts.probeKeyFile : engineProbeKeyFile(plan);
  const ruleFiles = renderRuleFiles(rules, opts.runbookBaseUrl ?? defaultRunbookBase());
  const groups = [...new Set(rules.map((r) => r.group))];
  return [
    renderPrometheusConfig(plan, settings, groups, [SLO_RULES_FILE], keyFile !== null),
    ...(probesEnabled(plan) ? [renderBlackboxConfig(plan, keyFile)] : []),
    ...ruleFiles,
    renderSloRules(plan.profile.slo, opts.runbookBaseUrl ?? defaultRunbookBase()),
    renderAlertmanagerConfig(plan, settings),
    ...(plan.profile.monitoring.grafana.enabled ? renderGrafana(plan, dashboards) : []),
  ];
}

/** Every PromQL expression in the rules and dashboards (for tests against a live Prometheus). */
export function listMonitoringExpressions(plan: StackPlan): { source: string; expr: string }[] {
  const { settings, rules, dashboards } = buildMonitoringModel(plan);
  return [
    ...rules.map((r) => ({ source: `rule ${r.alert}`, expr: r.expr })),
    ...buildSloRecordingRules(plan.profile.slo).map((r) => ({ source: `rule ${r.record}{slo="${r.labels.slo}"}`, expr: r.expr })),
    ...buildSloAlertRules(plan.profile.slo).map((r) => ({ source: `rule ${r.alert}{slo="${r.labels.slo}"}`, expr: r.expr })),
    ...listDashboardExpressions(dashboards, settings.window).map((expr, i) => ({ source: `dashboard expr #${i + 1}`, expr })),
  ];
}
