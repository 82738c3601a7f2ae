// A drill's verdict and its reports (Markdown, JSON, JUnit), from the numbers the run collected. Pure.
import type { ScenarioSpec } from './scenarios.js';

export interface TimelineEvent {
  atMs: number;
  what: string;
}

export interface AlertSeen {
  alert: string;
  /** Labels the alert must carry as well (disk-pressure: the data volume's mountpoint). */
  labels?: Record<string, string>;
  firedAtMs: number | null;
  resolvedAtMs: number | null;
}

export interface DrillNumbers {
  project: string;
  environment: string;
  startedAt: string;
  durationMs: number;
  timeline: TimelineEvent[];
  requests: number;
  failedRequests: number;
  accepted: number;
  completed: number;
  failed: number;
  lost: number;
  completedTwice: number;
  /** From the recovery action to the first good answer through the edge, ms; null when none came. */
  recoveryMs: number | null;
  alerts: AlertSeen[];
  /** bad-deploy: what became of the never-healthy release. */
  deploy?: { outcome: string; reason: string; releaseBefore: string | null; releaseAfter: string | null };
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface DrillReport extends DrillNumbers {
  scenario: string;
  summary: string;
  errorRatio: number;
  invariants: Invariant[];
  passed: boolean;
}

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const sec = (ms: number | null) => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

function judgeBadDeploy(d: DrillNumbers['deploy']): Invariant {
  if (!d) return { name: 'bad release refused, old release keeps serving', ok: false, detail: 'the bad release was never deployed' };
  const kept = d.releaseBefore !== null && d.releaseAfter === d.releaseBefore;
  return {
    name: 'bad release refused, old release keeps serving',
    ok: d.outcome !== 'applied' && d.outcome !== 'noop' && kept,
    detail: `deploy ${d.outcome}; release ${d.releaseBefore ?? 'none'} before, ${d.releaseAfter ?? 'none'} after${d.reason ? ` — ${d.reason.split('\n')[0]}` : ''}`,
  };
}

export function judgeDrill(spec: ScenarioSpec, n: DrillNumbers): DrillReport {
  const errorRatio = n.requests ? n.failedRequests / n.requests : 0;
  const invariants: Invariant[] = [
    { name: 'accepted jobs lost = 0', ok: n.lost === 0, detail: `${n.accepted} accepted, ${n.completed} completed, ${n.failed} failed, ${n.lost} unfinished` },
    { name: 'jobs completed twice = 0', ok: n.completedTwice === 0, detail: `${n.completedTwice} jobs with more than one output` },
    { name: `error ratio ≤ ${pct(spec.maxErrorRatio)}`, ok: errorRatio <= spec.maxErrorRatio, detail: `${n.failedRequests} of ${n.requests} requests failed (${pct(errorRatio)})` },
    { name: `recovery ≤ RTO ${spec.rtoSeconds} s`, ok: n.recoveryMs !== null && n.recoveryMs <= spec.rtoSeconds * 1000, detail: `first good answer ${sec(n.recoveryMs)} after the recovery action` },
    ...(spec.fault.kind === 'bad-deploy' ? [judgeBadDeploy(n.deploy)] : []),
    ...n.alerts.map((a) => ({
      name: `${a.alert}${a.labels ? `{${Object.entries(a.labels).map(([k, v]) => `${k}="${v}"`).join(',')}}` : ''} fired and resolved in Alertmanager`,
      ok: a.firedAtMs !== null && a.resolvedAtMs !== null,
      detail: `fired ${a.firedAtMs === null ? 'never' : `at +${sec(a.firedAtMs)}`}, resolved ${a.resolvedAtMs === null ? 'never' : `at +${sec(a.resolvedAtMs)}`}`,
    })),
  ];
  return { ...n, scenario: spec.name, summary: spec.summary, errorRatio, invariants, passed: invariants.every((i) => i.ok) };
}

export function renderDrillMarkdown(r: DrillReport): string {
  const lines = [
    `# Drill: ${r.scenario} — ${r.passed ? 'PASSED' : 'FAILED'}`,
    '',
    `${r.summary}. Project ${r.project} (${r.environment}), started ${r.startedAt}, ${sec(r.durationMs)}.`,
    '',
    '| invariant | result | measured |',
    '| --- | --- | --- |',
    ...r.invariants.map((i) => `| ${i.name} | ${i.ok ? 'pass' : 'FAIL'} | ${i.detail} |`),
    '',
    '## Timeline',
    '',
    ...r.timeline.map((e) => `- +${(e.atMs / 1000).toFixed(1)} s: ${e.what}`),
    '',
  ];
  return lines.join('\n');
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderDrillJunit(r: DrillReport): string {
  const failures = r.invariants.filter((i) => !i.ok).length;
  const cases = r.invariants.map((i) => `    <testcase classname="drill.${xml(r.scenario)}" name="${xml(i.name)}">${i.ok ? '' : `<failure message="${xml(i.detail)}"/>`}<system-out>${xml(i.detail)}</system-out></testcase>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="prodctl drill" tests="${r.invariants.length}" failures="${failures}" time="${(r.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(r.scenario)}" tests="${r.invariants.length}" failures="${failures}" time="${(r.durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
