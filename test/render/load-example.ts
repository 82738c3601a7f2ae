// The shipped examples, loaded and planned exactly as `prodctl render -f examples/<name>/prodctl.yaml` does.
import path from 'node:path';
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { loadProfile } from '../../profile/load-profile.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const EXAMPLES = ['small', 'medium', 'large'] as const;

export async function planExample(name: string, sets: string[] = []): Promise<StackPlan> {
  const loaded = await loadProfile({ path: path.join(ROOT, 'examples', name, 'prodctl.yaml'), sets });
  return computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
}
