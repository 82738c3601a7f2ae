// prometheus/slo/rules.yml: the SLO recording rules and burn-rate alerts, in their own folder and
// groups so the threshold alerts of rules/ stay as they are. Pure.
import { stringify } from 'yaml';
import type { SloProfile } from '../../profile/slo-schema.js';
import type { RenderedFile } from '../types.js';
import { RUNBOOK_DOC, runbookAnchor } from './alert-rules.js';
import { buildSloAlertRules, buildSloRecordingRules } from './slo-model.js';

export const SLO_RULES_FILE = 'slo/rules.yml';

export function renderSloRules(slo: SloProfile, runbookBase: string = RUNBOOK_DOC): RenderedFile {
  const doc = {
    groups: [
      { name: 'prodctl-slo-recording', rules: buildSloRecordingRules(slo) },
      {
        name: 'prodctl-slo-alerts',
        rules: buildSloAlertRules(slo).map((r) => ({
          alert: r.alert,
          expr: r.expr,
          labels: { severity: r.severity, service: 'slo', ...r.labels },
          annotations: { summary: r.summary, description: r.description, runbook_url: `${runbookBase}#${runbookAnchor(r.alert)}` },
        })),
      },
    ],
  };
  const head = '# SLO recording rules and burn-rate alerts. Rendered by prodctl from the profile; edit the profile, not this file.\n';
  return { path: `prometheus/${SLO_RULES_FILE}`, content: head + stringify(doc, { lineWidth: 0 }) };
}
