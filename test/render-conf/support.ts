// Plans of the example profiles (examples/<preset>/prodctl.yaml), as `prodctl render` builds them.
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { loadProfile } from '../../profile/load-profile.js';

export const EXAMPLE_PRESETS = ['small', 'medium', 'large'] as const;

export async function loadExamplePlan(preset: string, sets: string[] = []): Promise<StackPlan> {
  const lp = await loadProfile({ path: new URL(`../../examples/${preset}/prodctl.yaml`, import.meta.url).pathname, sets });
  return computePlan(lp.profile, { preset: lp.preset, profileDir: lp.dir });
}

/** The `name = value` / `name value` lines of a rendered conf, comments dropped. */
export function settingLines(content: string): string[] {
  return content.split('\n').filter((l) => l && !l.startsWith('#'));
}
