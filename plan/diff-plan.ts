// What a deploy would change: the difference between the last applied plan and the new one,
// per service and per field. Pure; `prodctl plan` prints it.
import type { StackPlan } from './types.js';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface PlanDiff {
  /** No previous plan in the state folder: everything is new. */
  firstDeploy: boolean;
  added: string[];
  removed: string[];
  changed: { service: string; fields: FieldChange[] }[];
  /** Stack-level changes: networks, volumes, secrets, rendered files. */
  stack: FieldChange[];
}

const STACK_FIELDS = ['target', 'networks', 'volumes', 'secrets', 'files'] as const;

export function diffPlans(previous: StackPlan | null, next: StackPlan): PlanDiff {
  if (!previous) return { firstDeploy: true, added: next.services.map((s) => s.name), removed: [], changed: [], stack: [] };
  const before = new Map(previous.services.map((s) => [s.name, s]));
  const after = new Map(next.services.map((s) => [s.name, s]));
  const changed: PlanDiff['changed'] = [];
  for (const [name, svc] of after) {
    const old = before.get(name);
    if (!old) continue;
    const fields = diffObjects(old as unknown as Record<string, unknown>, svc as unknown as Record<string, unknown>, '');
    if (fields.length > 0) changed.push({ service: name, fields });
  }
  const stack = STACK_FIELDS.flatMap((f) => (same(previous[f], next[f]) ? [] : [{ field: f, from: previous[f], to: next[f] }]));
  return {
    firstDeploy: false,
    added: [...after.keys()].filter((n) => !before.has(n)),
    removed: [...before.keys()].filter((n) => !after.has(n)),
    changed,
    stack,
  };
}

export function isEmptyDiff(d: PlanDiff): boolean {
  return !d.firstDeploy && d.added.length + d.removed.length + d.changed.length + d.stack.length === 0;
}

/** Field-level changes; plain objects recurse (resources.memoryBytes), arrays compare whole. */
function diffObjects(a: Record<string, unknown>, b: Record<string, unknown>, prefix: string): FieldChange[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.flatMap((k) => {
    const field = prefix ? `${prefix}.${k}` : k;
    const [x, y] = [a[k], b[k]];
    if (isPlainObject(x) && isPlainObject(y)) return diffObjects(x, y, field);
    return same(x, y) ? [] : [{ field, from: x, to: y }];
  });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
