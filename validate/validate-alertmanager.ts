// alertmanager.yml against the SchemaStore schema and with the real parser, `amtool check-config`.
import path from 'node:path';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { checkDocuments } from './schema-check.js';
import { parseErrors, parsedDocs, readYamlFile } from './read-rendered.js';
import { monitoringOff } from './monitoring-off.js';
import { runTool, tail } from './run-tool.js';
import type { ValidationResult } from './types.js';

const INSTALL = 'apt-get install -y prometheus-alertmanager';

export function validateAlertmanagerSchema(renderedDir: string, plan: StackPlan): ValidationResult {
  const name = 'alertmanager.yml (prometheus-alertmanager schema)';
  const off = monitoringOff(name, plan);
  if (off) return off;
  const parsed = [readYamlFile(renderedDir, RENDER_PATHS.alertmanagerConfig)];
  const errors = parseErrors(parsed);
  return errors.length ? { name, ok: false, details: errors } : checkDocuments(name, 'prometheus-alertmanager.schema.json', parsedDocs(parsed));
}

export async function validateAlertmanagerAmtool(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  const name = 'alertmanager.yml (amtool check-config)';
  const off = monitoringOff(name, plan);
  if (off) return off;
  const r = await runTool('amtool', ['check-config', path.join(renderedDir, RENDER_PATHS.alertmanagerConfig)]);
  if (!r) return { name, ok: true, skipped: `amtool not found — ${INSTALL}`, details: [] };
  return { name, ok: r.code === 0 && /SUCCESS/.test(r.output), details: tail(r.output) };
}
