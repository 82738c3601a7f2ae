// The shape of a check and of its result. A check is data (id, category, severity, rationale,
// remediation, references) plus one function that judges evidence and never throws on a finding.
import type { StackPlan } from '../plan/types.js';
import type { RenderedFile } from '../templates/types.js';
import type { ParsedFiles } from './parse-rendered.js';
import type { LiveProbes } from './live/probes.js';

export const CATEGORIES = ['security', 'reliability', 'performance', 'operability', 'data-safety'] as const;
export type Category = (typeof CATEGORIES)[number];

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Sections of the production checklist that the readiness report is organised by. */
export const SECTIONS = ['infrastructure', 'services', 'testing', 'monitoring', 'backups', 'security'] as const;
export type Section = (typeof SECTIONS)[number];

export type Scope = 'static' | 'live';
/** What a check can find; 'waived' is only ever set by a valid waiver on a warn/fail. */
export type Status = 'pass' | 'warn' | 'fail' | 'skip' | 'waived';
export type FindingStatus = Exclude<Status, 'waived'>;

export interface CheckMeta {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  scope: Scope;
  section: Section;
  rationale: string;
  remediation: string;
  references: string[];
}

/** What a check found: a status and the evidence behind it (file:key = value, probe answers). */
export interface Finding {
  status: FindingStatus;
  evidence: string[];
}

export interface StaticInput {
  plan: StackPlan;
  files: RenderedFile[];
  parsed: ParsedFiles;
}

export interface LiveInput {
  plan: StackPlan;
  parsed: ParsedFiles;
  probes: LiveProbes;
  now: Date;
}

export interface StaticCheck extends CheckMeta {
  scope: 'static';
  run(input: StaticInput): Finding;
}

export interface LiveCheck extends CheckMeta {
  scope: 'live';
  run(input: LiveInput): Promise<Finding>;
}

export type Check = StaticCheck | LiveCheck;

export interface Waiver {
  id: string;
  reason: string;
  expires: string;
}

export interface CheckResult {
  id: string;
  title: string;
  category: Category;
  severity: Severity;
  scope: Scope;
  section: Section;
  /** Status after waivers: a valid waiver turns warn/fail into 'waived'; an expired waiver fails. */
  status: Status;
  /** What the check itself found, before any waiver. */
  rawStatus: FindingStatus;
  evidence: string[];
  remediation: string;
  rationale: string;
  references: string[];
  waiver?: Waiver & { expired: boolean };
  durationMs: number;
}

export interface CheckRun {
  project: string;
  preset: string;
  target: string;
  startedAt: string;
  durationMs: number;
  failOn: Severity;
  results: CheckResult[];
  waivers: (Waiver & { expired: boolean; matched: boolean })[];
  summary: { pass: number; warn: number; fail: number; skip: number; waived: number; gateFailures: number; score: number };
  /** Set when live checks were asked for but no running stack was found. */
  liveUnavailable?: string;
}

export function pass(...evidence: string[]): Finding {
  return { status: 'pass', evidence };
}
export function fail(...evidence: string[]): Finding {
  return { status: 'fail', evidence };
}
export function warn(...evidence: string[]): Finding {
  return { status: 'warn', evidence };
}
export function skip(...evidence: string[]): Finding {
  return { status: 'skip', evidence };
}

/** Fails with one evidence line per offender, passes naming what was looked at. */
export function judgeAll(offenders: string[], passEvidence: string): Finding {
  return offenders.length > 0 ? fail(...offenders) : pass(passEvidence);
}
