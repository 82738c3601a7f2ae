// Grafana provisioning (datasource + dashboard provider) and one JSON file per dashboard. Pure.
import { stringify } from 'yaml';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import type { DashboardSpec, PanelSpec } from './dashboards.js';
import { header } from './render-prometheus.js';
import { listScrapeJobs } from './scrape-jobs.js';

export const DATASOURCE_UID = 'prodctl-prometheus';
/** Where the dashboards folder is mounted in the Grafana container. */
export const GRAFANA_DASHBOARDS_PATH = '/var/lib/grafana/dashboards';

export function renderGrafana(plan: StackPlan, dashboards: DashboardSpec[]): RenderedFile[] {
  const prom = listScrapeJobs(plan).find((j) => j.job === 'prometheus')!;
  const host = plan.target === 'native' ? '127.0.0.1' : 'prometheus';
  const datasources = {
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', uid: DATASOURCE_UID, type: 'prometheus', access: 'proxy', url: `http://${host}:${prom.port}`, isDefault: true, editable: false }],
  };
  const providers = {
    apiVersion: 1,
    providers: [{ name: 'prodctl', folder: 'prodctl', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: GRAFANA_DASHBOARDS_PATH } }],
  };
  return [
    { path: 'grafana/provisioning/datasources/prometheus.yml', content: header('Grafana datasource') + stringify(datasources) },
    { path: 'grafana/provisioning/dashboards/prodctl.yml', content: header('Grafana dashboard provider') + stringify(providers) },
    ...dashboards.map((d) => ({ path: `grafana/dashboards/${d.uid}.json`, content: `${JSON.stringify(toGrafanaJson(d), null, 2)}\n` })),
  ];
}

export function toGrafanaJson(d: DashboardSpec): Record<string, unknown> {
  return {
    uid: d.uid,
    title: d.title,
    tags: d.tags,
    timezone: 'utc',
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    templating: { list: [] },
    annotations: { list: [] },
    links: [],
    panels: d.panels.map((p, i) => toPanel(p, i)),
  };
}

function toPanel(p: PanelSpec, index: number): Record<string, unknown> {
  // Two panels per row, 12 columns each; stats are shorter.
  const h = p.kind === 'stat' ? 6 : 8;
  return {
    id: index + 1,
    type: p.kind,
    title: p.title,
    datasource: { type: 'prometheus', uid: DATASOURCE_UID },
    gridPos: { x: (index % 2) * 12, y: Math.floor(index / 2) * 8, w: 12, h },
    fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
    options: {},
    targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), expr: q.expr, legendFormat: q.legend, datasource: { type: 'prometheus', uid: DATASOURCE_UID } })),
  };
}
