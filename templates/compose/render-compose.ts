// compose.yaml from the stack plan: every service hardened as planned (limits, healthchecks,
// non-root, read-only root, no capabilities), secrets as files, Postgres/Redis only on the internal
// network. Deterministic: keys sorted, no timestamps, secret files by path (never their values).
// No YAML anchors (aliasDuplicateObjects off): plain maps for every reader, and faster.
import { stringify } from 'yaml';
import { RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';
import { topLevelConfigs } from './compose-configs.js';
import { composeService } from './compose-service.js';

export function buildComposeDocument(plan: StackPlan): Record<string, unknown> {
  const swarm = plan.target === 'swarm';
  const networks = Object.fromEntries(
    plan.networks.map((n) => [n.name, { driver: swarm ? 'overlay' : 'bridge', ...(n.internal ? { internal: true } : {}), ...(swarm ? { attachable: true } : {}) }]),
  );
  const doc: Record<string, unknown> = {
    // prodctl's own controllers run under the native supervisor only, never as a container.
    services: Object.fromEntries(plan.services.filter((s) => s.role !== 'control').map((s) => [s.name, composeService(s, plan)])),
    networks,
    volumes: Object.fromEntries(plan.volumes.map((v) => [v, {}])),
    secrets: Object.fromEntries(plan.secrets.map((s) => [s.name, { file: s.file }])),
  };
  // docker stack deploy takes the stack name on its command line and refuses a top-level `name`.
  if (!swarm) doc.name = plan.project;
  const configs = topLevelConfigs(plan);
  if (Object.keys(configs).length) doc.configs = configs;
  return doc;
}

export function renderCompose(plan: StackPlan): RenderedFile {
  const header = `# Rendered by prodctl for ${plan.project} (${plan.target}, preset ${plan.preset}). Do not edit: change prodctl.yaml and re-render.\n`;
  return { path: RENDER_PATHS.compose, content: header + stringify(escapeInterpolation(buildComposeDocument(plan)), { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false }) };
}

/** Compose interpolates `$VAR` / `${VAR}` in every string; the plan's `$(cat …)` is for the container's shell. */
export function escapeInterpolation<T>(v: T): T {
  if (typeof v === 'string') return v.replaceAll('$', '$$$$') as T;
  if (Array.isArray(v)) return v.map((x) => escapeInterpolation(x)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, escapeInterpolation(x)])) as T;
  return v;
}
