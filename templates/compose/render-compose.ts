// compose.yaml from the stack plan: every service hardened as planned (limits, healthchecks,
// non-root, read-only root, no capabilities), secrets as files, Postgres/Redis only on the internal
// network. Deterministic: keys sorted, no timestamps, secret files by path (never their values).
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
    name: plan.project,
    services: Object.fromEntries(plan.services.map((s) => [s.name, composeService(s, plan)])),
    networks,
    volumes: Object.fromEntries(plan.volumes.map((v) => [v, {}])),
    secrets: Object.fromEntries(plan.secrets.map((s) => [s.name, { file: s.file }])),
  };
  const configs = topLevelConfigs(plan);
  if (Object.keys(configs).length) doc.configs = configs;
  return doc;
}

export function renderCompose(plan: StackPlan): RenderedFile {
  const header = `# Rendered by prodctl for ${plan.project} (${plan.target}, preset ${plan.preset}). Do not edit: change prodctl.yaml and re-render.\n`;
  return { path: RENDER_PATHS.compose, content: header + stringify(buildComposeDocument(plan), { sortMapEntries: true, lineWidth: 0 }) };
}
