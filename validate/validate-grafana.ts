// Grafana dashboards (JSON) against the Grafana 5.x dashboard schema (vendored), plus the
// provisioning files parsing as YAML.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { checkDocuments } from './schema-check.js';
import { listRendered, parseErrors, readYamlFile, type Parsed } from './read-rendered.js';
import type { ValidationResult } from './types.js';

const NAME = 'grafana dashboards (grafana-dashboard-5.x schema)';

export function validateGrafanaDashboards(renderedDir: string, plan: StackPlan): ValidationResult {
  if (!plan.profile.monitoring.enabled || !plan.profile.monitoring.grafana.enabled) return { name: NAME, ok: true, skipped: 'Grafana is disabled in the profile', details: [] };
  const files = listRendered(renderedDir, RENDER_PATHS.grafanaDashboardsDir, '.json');
  const parsed: Parsed[] = files.map((rel) => {
    try {
      return { file: rel, doc: JSON.parse(readFileSync(path.join(renderedDir, rel), 'utf8')) as unknown };
    } catch (err) {
      return { file: rel, error: `${rel}: ${(err as Error).message}` };
    }
  });
  const provisioning = listRendered(renderedDir, RENDER_PATHS.grafanaProvisioningDir, '.yml').map((rel) => readYamlFile(renderedDir, rel));
  const errors = parseErrors([...parsed, ...provisioning]);
  if (errors.length) return { name: NAME, ok: false, details: errors };
  // The schema describes Grafana's dashboard API body, `{ dashboard: {...} }`; a provisioned file is that inner object.
  return checkDocuments(NAME, 'grafana-dashboard-5.x.schema.json', parsed.flatMap((p) => ('doc' in p ? [{ file: p.file, doc: { dashboard: p.doc } }] : [])));
}
