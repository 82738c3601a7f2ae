// The last applied plan, kept in the state folder so `prodctl plan` can show what a deploy
// would change. Stored without the profile's secret-bearing parts (the plan holds only paths).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StackPlan } from '../plan/types.js';

export const LAST_PLAN_FILE = 'last-plan.json';

export function readLastPlan(stateDir: string): StackPlan | null {
  const file = path.join(stateDir, LAST_PLAN_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackPlan;
  } catch {
    // A damaged file is treated as "no previous plan": the diff then shows everything as new.
    return null;
  }
}

/** Targets call this after a successful deploy/up. Atomic: temp file + rename. */
export function writeLastPlan(stateDir: string, plan: StackPlan): string {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, LAST_PLAN_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  return file;
}
