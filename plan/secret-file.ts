// Where a declared secret's file is: the profile names it relative to the profile's folder.
import path from 'node:path';
import type { StackPlan } from './types.js';

/** The absolute path of secrets.<name>.file, or undefined when the profile does not declare it. */
export function secretFileOf(plan: Pick<StackPlan, 'profile' | 'profileDir'>, name: string): string | undefined {
  const ref = plan.profile.secrets[name];
  return ref ? path.resolve(plan.profileDir, ref.file) : undefined;
}
