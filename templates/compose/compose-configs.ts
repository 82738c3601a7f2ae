// Rendered config files as compose `configs:` (files) — folders are bind-mounted instead, since a
// compose config is one file. Names are derived from the rendered path, so they are stable.
import { RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';

const CONFIG_DIRS = new Set<string>([RENDER_PATHS.prometheusDir, RENDER_PATHS.grafanaProvisioningDir, RENDER_PATHS.grafanaDashboardsDir]);

export function isConfigDir(file: string): boolean {
  return CONFIG_DIRS.has(file);
}

/** `traefik/traefik.yml` → `traefik_traefik_yml`. */
export function configName(file: string): string {
  return file.replace(/[^A-Za-z0-9]+/g, '_');
}

export function topLevelConfigs(plan: StackPlan): Record<string, { file: string }> {
  const files = [...new Set(plan.services.flatMap((s) => s.configs.map((c) => c.file)))].filter((f) => !isConfigDir(f)).sort();
  return Object.fromEntries(files.map((f) => [configName(f), { file: `./${f}` }]));
}
