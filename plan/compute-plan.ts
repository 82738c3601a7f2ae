// PLACEHOLDER until the planner lands.
import type { Profile } from '../profile/schema.js';
import type { StackPlan } from './types.js';

export function computePlan(profile: Profile, opts: { preset: string; profileDir: string }): StackPlan {
  return { version: 1, project: profile.project.name, target: profile.target, preset: opts.preset, services: [], networks: [], volumes: [], secrets: [], files: [], profile, profileDir: opts.profileDir };
}
