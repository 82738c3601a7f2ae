// prometheus.yml and the alert rules with the real parser: `promtool check config` / `check rules`.
import path from 'node:path';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { listRendered } from './read-rendered.js';
import { monitoringOff } from './monitoring-off.js';
import { runTool, tail } from './run-tool.js';
import type { ValidationResult } from './types.js';

const INSTALL = 'apt-get install -y prometheus';

export async function validatePrometheusConfig(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  const name = 'prometheus.yml (promtool check config)';
  const off = monitoringOff(name, plan);
  if (off) return off;
  // --syntax-only: rule_files and credential files name in-container paths that do not exist here;
  // the rules themselves are checked by validatePrometheusRules.
  const r = await runTool('promtool', ['check', 'config', '--syntax-only', path.join(renderedDir, RENDER_PATHS.prometheusConfig)]);
  if (!r) return { name, ok: true, skipped: `promtool not found — ${INSTALL}`, details: [] };
  return { name, ok: r.code === 0 && /SUCCESS/.test(r.output), details: tail(r.output) };
}

export async function validatePrometheusRules(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  const name = 'alert rules (promtool check rules)';
  const off = monitoringOff(name, plan);
  if (off) return off;
  const files = [...listRendered(renderedDir, path.posix.join(RENDER_PATHS.prometheusDir, 'rules'), '.yml'), ...listRendered(renderedDir, path.posix.join(RENDER_PATHS.prometheusDir, 'slo'), '.yml')];
  if (files.length === 0) return { name, ok: false, details: ['no rule files under prometheus/rules — run prodctl render first'] };
  const r = await runTool('promtool', ['check', 'rules', ...files.map((f) => path.join(renderedDir, f))]);
  if (!r) return { name, ok: true, skipped: `promtool not found — ${INSTALL}`, details: [] };
  return { name, ok: r.code === 0 && !/FAILED/.test(r.output), details: tail(r.output, 2 * files.length + 2) };
}
