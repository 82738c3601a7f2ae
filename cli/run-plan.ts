// `prodctl plan`: the plan of the profile as a readable summary (or JSON), and the diff a
// deploy would apply against the last applied plan in the state folder.
import { formatBytes, formatTable, paint, printJson, printLine, shouldColor } from '../lib/output.js';
import { diffPlans, isEmptyDiff, type PlanDiff } from '../plan/diff-plan.js';
import type { StackPlan } from '../plan/types.js';
import { readLastPlan } from '../state/last-plan.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

export async function runPlan(ctx: CliContext): Promise<void> {
  const plan = await loadPlan(ctx);
  const diff = diffPlans(readLastPlan(ctx.stateDir), plan);
  if (ctx.json) {
    // The profile and its folder are inputs, not the plan: left out of the JSON.
    const { profile: _profile, profileDir: _dir, ...rest } = plan;
    printJson({ plan: rest, diff });
    return;
  }
  for (const line of formatPlanSummary(plan)) printLine(line);
  printLine();
  for (const line of formatPlanDiff(diff, shouldColor())) printLine(line);
}

export function formatPlanSummary(plan: StackPlan): string[] {
  const rows = plan.services.map((s) => [
    s.name,
    String(s.replicas),
    `${s.resources.cpus} cpu · ${formatBytes(s.resources.memoryBytes)} · ${s.resources.pids} pids`,
    s.healthcheck ? (s.healthcheck.httpPath ?? s.healthcheck.test.slice(1).join(' ')).slice(0, 40) : '-',
    s.networks.join(','),
    s.image,
  ]);
  return [
    `stack ${plan.project} · preset ${plan.preset} · target ${plan.target}`,
    '',
    formatTable(['SERVICE', 'REPLICAS', 'RESOURCES', 'HEALTHCHECK', 'NETWORKS', 'IMAGE'], rows),
    '',
    `networks: ${plan.networks.map((n) => `${n.name}${n.internal ? ' (internal)' : ''}`).join(', ')}`,
    `volumes:  ${plan.volumes.join(', ') || '-'}`,
    `secrets:  ${plan.secrets.map((s) => s.name).join(', ') || '-'}`,
    `files:    ${plan.files.length} rendered (${plan.files.join(', ')})`,
  ];
}

export function formatPlanDiff(d: PlanDiff, color: boolean): string[] {
  if (d.firstDeploy) return [`no applied plan in the state folder: a deploy would create all ${d.added.length} services`];
  if (isEmptyDiff(d)) return ['no changes: the stack matches the last applied plan'];
  const lines = ['a deploy would change:'];
  for (const s of d.added) lines.push(paint(`  + ${s}`, 'green', color));
  for (const s of d.removed) lines.push(paint(`  - ${s}`, 'red', color));
  for (const c of d.changed) {
    lines.push(paint(`  ~ ${c.service}`, 'yellow', color));
    for (const f of c.fields) lines.push(`      ${f.field}: ${show(f.from)} → ${show(f.to)}`);
  }
  for (const f of d.stack) lines.push(paint(`  ~ ${f.field}: ${show(f.from)} → ${show(f.to)}`, 'yellow', color));
  return lines;
}

function show(v: unknown): string {
  const text = v === undefined ? '(none)' : JSON.stringify(v);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
