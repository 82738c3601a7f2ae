// The one pipeline every stack command shares: profile → plan → rendered files in the state folder.
import path from 'node:path';
import { loadProfile } from '../profile/load-profile.js';
import { computePlan } from '../plan/compute-plan.js';
import type { StackPlan } from '../plan/types.js';
import { renderAll } from '../templates/render-all.js';
import type { RenderedFile } from '../templates/types.js';
import { writeRendered } from '../templates/write-rendered.js';
import type { CliContext } from './context.js';

export interface LoadedStack {
  plan: StackPlan;
  files: RenderedFile[];
  renderedDir: string;
}

export async function loadPlan(ctx: CliContext): Promise<StackPlan> {
  const loaded = await loadProfile({ path: ctx.profilePath, envName: ctx.envName, sets: ctx.sets });
  return computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
}

/** Loads, plans and renders into <state>/rendered, which targets read their configs from. */
export async function loadStack(ctx: CliContext): Promise<LoadedStack> {
  const plan = await loadPlan(ctx);
  const files = renderAll(plan);
  const renderedDir = path.join(ctx.stateDir, 'rendered');
  writeRendered(files, renderedDir);
  return { plan, files, renderedDir };
}
