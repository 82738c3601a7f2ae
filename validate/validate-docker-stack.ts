// compose.yaml of a swarm stack with the real loader `docker stack deploy` uses: `docker stack
// config` (parses, validates against the CLI's compose schema and interpolates; no daemon needed).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { runTool, tail } from './run-tool.js';
import type { ValidationResult } from './types.js';

const NAME = 'compose.yaml (docker stack config)';

export async function validateDockerStack(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  if (plan.target !== 'swarm') return { name: NAME, ok: true, skipped: `target is ${plan.target}: docker stack config judges swarm stacks only (the compose-spec schema covers this one)`, details: [] };
  const file = path.join(renderedDir, RENDER_PATHS.compose);
  if (!existsSync(file)) return { name: NAME, ok: false, details: [`${RENDER_PATHS.compose} not found — run prodctl render first`] };
  const r = await runTool('docker', ['stack', 'config', '-c', RENDER_PATHS.compose], { cwd: renderedDir, timeoutMs: 60_000 });
  if (!r) return { name: NAME, ok: true, skipped: 'docker CLI not found — apt-get install -y docker.io', details: [] };
  const problems = r.output.split('\n').filter((l) => !/Cannot connect to the Docker daemon/.test(l));
  return { name: NAME, ok: r.code === 0, details: r.code === 0 ? [`${RENDER_PATHS.compose}: accepted by docker stack config`] : tail(problems.join('\n')) };
}
