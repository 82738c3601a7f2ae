// The Grafana SLO dashboard: each objective's SLI over the SLO window, the budget left and the burn
// rates over the alerts' windows, all read from the SLO recording rules. Pure.
import type { SloProfile } from '../../profile/slo-schema.js';
import type { DashboardSpec, PanelQuery } from './dashboards.js';
import { SLO_RECORD, listRecordingWindows } from './slo-model.js';

export function buildSloDashboard(slo: SloProfile): DashboardSpec {
  const q = (expr: string, legend: string): PanelQuery => ({ expr, legend });
  const ratio = (w: string) => SLO_RECORD.errorRatio(w);
  const burn = (w: string) => `${ratio(w)} / on (slo) (1 - ${SLO_RECORD.objective})`;
  const alerted = Object.values(slo.burn_alerts).filter((a) => a.enabled);
  const burnWindows = listRecordingWindows(slo).filter((w) => alerted.some((a) => a.long_window === w));
  return {
    uid: 'prodctl-slo',
    title: 'prodctl · SLOs and error budget',
    tags: ['prodctl', 'slo'],
    panels: [
      { title: `SLI over ${slo.window} vs objective`, kind: 'stat', unit: 'percentunit', queries: [q(`1 - ${ratio(slo.window)}`, '{{slo}}'), q(SLO_RECORD.objective, '{{slo}} objective')] },
      { title: `Error budget remaining (${slo.window})`, kind: 'stat', unit: 'percentunit', queries: [q(SLO_RECORD.budgetRemaining, '{{slo}}')] },
      { title: 'Budget remaining over time', kind: 'timeseries', unit: 'percentunit', queries: [q(SLO_RECORD.budgetRemaining, '{{slo}}')] },
      {
        title: 'Burn rate (1 = the budget lasts exactly the SLO window)',
        kind: 'timeseries',
        unit: 'short',
        queries: [
          ...burnWindows.map((w) => q(burn(w), `{{slo}} ${w}`)),
          ...alerted.map((a) => q(`${a.factor} + 0 * vector(1)`, `${a.severity} at ${a.factor}× (${a.long_window})`)),
        ],
      },
      { title: `SLI now (${listRecordingWindows(slo)[0]})`, kind: 'timeseries', unit: 'percentunit', queries: [q(`1 - ${ratio(listRecordingWindows(slo)[0])}`, '{{slo}}')] },
    ],
  };
}
