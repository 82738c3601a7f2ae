// Runs a selection of checks and applies waivers and the --fail-on gate. Pure apart from the
// live probes it is handed: selection, waivers, gate and score are plain data transformations.
import type { StackPlan } from '../plan/types.js';
import type { RenderedFile } from '../templates/types.js';
import type { LiveProbes } from './live/probes.js';
import { parseRendered, type ParsedFiles } from './parse-rendered.js';
import { ALL_CHECKS } from './registry.js';
import { viewsFromPlan } from './service-view.js';
import { SEVERITIES, type Check, type CheckResult, type CheckRun, type Finding, type Severity, type Waiver } from './types.js';

export interface Selection {
  staticOnly?: boolean;
  liveOnly?: boolean;
  only?: string[];
  ignore?: string[];
}

export interface RunOptions extends Selection {
  plan: StackPlan;
  files: RenderedFile[];
  failOn: Severity;
  /** Null when no running stack was found; live checks are then skipped with `liveUnavailable` as evidence. */
  probes: LiveProbes | null;
  liveUnavailable?: string;
  now?: Date;
  liveTimeoutMs?: number;
  checks?: Check[];
}

const WEIGHT: Record<Severity, number> = { critical: 10, high: 5, medium: 2, low: 1 };

export function selectChecks(checks: Check[], s: Selection): Check[] {
  const only = new Set((s.only ?? []).map((x) => x.toUpperCase()));
  const ignore = new Set((s.ignore ?? []).map((x) => x.toUpperCase()));
  return checks.filter(
    (c) => !(s.staticOnly && c.scope !== 'static') && !(s.liveOnly && c.scope !== 'live') && (only.size === 0 || only.has(c.id)) && !ignore.has(c.id),
  );
}

/** Unknown ids in --only/--ignore are usage errors, caught before anything runs. */
export function unknownIds(ids: string[], checks: Check[] = ALL_CHECKS): string[] {
  const known = new Set(checks.map((c) => c.id));
  return ids.filter((id) => !known.has(id.toUpperCase()));
}

export function isAtLeast(sev: Severity, gate: Severity): boolean {
  return SEVERITIES.indexOf(sev) <= SEVERITIES.indexOf(gate);
}

/** A waiver is valid through its `expires` day (UTC). */
export function isExpired(w: Waiver, now: Date): boolean {
  return now.toISOString().slice(0, 10) > w.expires;
}

export function applyWaiver(result: CheckResult, waiver: Waiver | undefined, now: Date): CheckResult {
  if (!waiver) return result;
  const expired = isExpired(waiver, now);
  if (expired) {
    return { ...result, status: 'fail', waiver: { ...waiver, expired }, evidence: [`waiver expired on ${waiver.expires} (${waiver.reason}): renew or remove it`, ...result.evidence] };
  }
  const status = result.rawStatus === 'fail' || result.rawStatus === 'warn' ? 'waived' : result.status;
  return { ...result, status, waiver: { ...waiver, expired } };
}

async function runOne(c: Check, o: RunOptions, parsed: ParsedFiles, now: Date): Promise<Finding> {
  try {
    if (c.scope === 'static') return c.run({ plan: o.plan, files: o.files, parsed });
    if (!o.probes) return { status: 'skip', evidence: [o.liveUnavailable ?? 'no running stack'] };
    const timeout = o.liveTimeoutMs ?? 8000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Finding>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'fail', evidence: [`probe did not answer within ${timeout} ms`] }), timeout);
    });
    try {
      return await Promise.race([c.run({ plan: o.plan, parsed, probes: o.probes, now }), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } catch (err) {
    // A check that throws is a bug in the check or an unreadable input; it must not pass.
    return { status: 'fail', evidence: [`check could not run: ${(err as Error).message}`] };
  }
}

export function scoreOf(results: CheckResult[]): number {
  const counted = results.filter((r) => r.status !== 'skip');
  const total = counted.reduce((n, r) => n + WEIGHT[r.severity], 0);
  const got = counted.reduce((n, r) => n + WEIGHT[r.severity] * (r.status === 'pass' ? 1 : r.status === 'warn' || r.status === 'waived' ? 0.5 : 0), 0);
  return total === 0 ? 100 : Math.round((got / total) * 100);
}

export async function runChecks(o: RunOptions): Promise<CheckRun> {
  const now = o.now ?? new Date();
  const started = Date.now();
  const parsed = parseRendered(o.files, () => viewsFromPlan(o.plan));
  const selected = selectChecks(o.checks ?? ALL_CHECKS, o);
  const waivers = o.plan.profile.checks?.waive ?? [];
  const results = await Promise.all(
    selected.map(async (c): Promise<CheckResult> => {
      const t0 = Date.now();
      const f = await runOne(c, o, parsed, now);
      const base: CheckResult = {
        id: c.id, title: c.title, category: c.category, severity: c.severity, scope: c.scope, section: c.section,
        status: f.status, rawStatus: f.status, evidence: f.evidence, remediation: c.remediation, rationale: c.rationale, references: c.references,
        durationMs: Date.now() - t0,
      };
      return applyWaiver(base, waivers.find((w) => w.id.toUpperCase() === c.id), now);
    }),
  );
  const count = (s: string) => results.filter((r) => r.status === s).length;
  return {
    project: o.plan.project,
    preset: o.plan.preset,
    target: o.plan.target,
    startedAt: now.toISOString(),
    durationMs: Date.now() - started,
    failOn: o.failOn,
    results,
    waivers: waivers.map((w) => ({ ...w, expired: isExpired(w, now), matched: selected.some((c) => c.id === w.id.toUpperCase()) })),
    summary: {
      pass: count('pass'), warn: count('warn'), fail: count('fail'), skip: count('skip'), waived: count('waived'),
      gateFailures: results.filter((r) => r.status === 'fail' && isAtLeast(r.severity, o.failOn)).length,
      score: scoreOf(results),
    },
    liveUnavailable: o.probes ? undefined : o.liveUnavailable,
  };
}
