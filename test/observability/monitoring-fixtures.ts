// Plans and rendered monitoring files for the observability tests, from the real presets.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { mergeDeep, type Plain } from '../../profile/merge.js';
import { loadPreset } from '../../profile/presets.js';
import { profileSchema, type PresetName } from '../../profile/schema.js';
import { renderMonitoring } from '../../templates/monitoring/render-monitoring.js';
import { writeRendered } from '../../templates/write-rendered.js';

export function planFor(preset: PresetName = 'medium', overrides: Plain = {}): StackPlan {
  const profile = profileSchema.parse(mergeDeep(loadPreset(preset), overrides));
  return computePlan(profile, { preset, profileDir: '/tmp' });
}

/** Renders the monitoring files of a plan into dir and returns dir. */
export function renderInto(plan: StackPlan, dir: string): string {
  writeRendered(renderMonitoring(plan), dir);
  return dir;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, JSON.stringify(value, null, 2));
}

export const PROMTOOL = '/usr/bin/promtool';
export const PROMETHEUS = '/usr/bin/prometheus';
export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
export const AMTOOL = '/usr/bin/amtool';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
