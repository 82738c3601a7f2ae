// Every file `prodctl render` writes, from the plan alone: pure and deterministic (sorted by path).
import type { StackPlan } from '../plan/types.js';
import { ConfigError } from '../lib/errors.js';
import { renderK6 } from '../loadtest/render-k6.js';
import { renderCompose } from './compose/render-compose.js';
import { renderHaproxy } from './haproxy/render-haproxy.js';
import { renderMonitoring } from './monitoring/render-monitoring.js';
import { renderInitRole } from './postgres/render-init-role.js';
import { renderPostgresqlConf } from './postgres/render-postgresql-conf.js';
import { renderRedisConf } from './redis/render-redis-conf.js';
import { renderTraefikDynamic } from './traefik/render-traefik-dynamic.js';
import { renderTraefikStatic } from './traefik/render-traefik-static.js';
import type { RenderedFile } from './types.js';

export function renderAll(plan: StackPlan): RenderedFile[] {
  const files = [
    renderCompose(plan),
    renderTraefikStatic(plan),
    renderTraefikDynamic(plan),
    ...renderHaproxy(plan),
    ...renderMonitoring(plan),
    ...renderK6(plan),
    renderPostgresqlConf(plan),
    renderInitRole(plan),
    renderRedisConf(plan),
  ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  assertComplete(plan, files);
  return files;
}

/** Every file the plan promises must be rendered, exactly once. */
function assertComplete(plan: StackPlan, files: RenderedFile[]): void {
  const paths = files.map((f) => f.path);
  const dupes = paths.filter((p, i) => paths.indexOf(p) !== i);
  const missing = plan.files.filter((f) => !paths.includes(f));
  if (dupes.length || missing.length) {
    throw new ConfigError(
      `render is incomplete (missing: ${missing.join(', ') || 'none'}; rendered twice: ${dupes.join(', ') || 'none'})`,
      'this is a prodctl bug: report it with the profile',
    );
  }
}
