// The load plan: profile's `loadtest` section + CLI overrides → k6 options (scenarios, thresholds)
// and the workload knobs. Pure. The k6 renderer and the built-in engine both consume this one
// object, so "what k6 would run" and "what the built-in engine ran" cannot drift apart.
import type { Profile } from '../profile/schema.js';
import { parseDuration } from '../profile/units.js';
import { parseMetricKey, parseThresholdExpr } from './thresholds.js';

export type LoadtestConfig = Profile['loadtest'];
export type ScenarioConfig = LoadtestConfig['scenarios'][string];
export type ScenarioKind = ScenarioConfig['kind'];
export type Executor = ScenarioConfig['executor'];

export interface K6Stage {
  duration: string;
  target: number;
}

/** One entry of k6's `options.scenarios`, with k6's field names. */
export interface K6Scenario {
  executor: Executor;
  exec: ScenarioKind;
  vus?: number;
  duration?: string;
  startVUs?: number;
  stages?: K6Stage[];
  rate?: number;
  startRate?: number;
  timeUnit?: string;
  preAllocatedVUs?: number;
  maxVUs?: number;
  gracefulStop: string;
  gracefulRampDown?: string;
}

export interface K6Options {
  scenarios: Record<string, K6Scenario>;
  thresholds: Record<string, string[]>;
  summaryTrendStats: string[];
}

/** What each iteration does; not k6 options, but rendered into the k6 script as constants. */
export interface Workload {
  kind: ScenarioKind;
  uploadShare: number;
  thinkTimeMs: number;
  jobOp: string;
  pollIntervalMs: number;
  /** A job not finished this long after creation counts as not completed. */
  jobDeadlineMs: number;
  /** Pages of the generated sample PDF every upload sends. */
  samplePages: number;
}

export interface LoadPlan {
  scenarioName: string;
  options: K6Options;
  workload: Workload;
  /** Hard bounds: the engine stops at whichever comes first. */
  maxDurationMs: number;
  maxRequests: number;
  /** Users (and API keys) the run needs: one per VU that can exist. */
  usersNeeded: number;
}

export interface PlanOverrides {
  scenario?: string;
  vus?: number;
  duration?: string;
  rate?: number;
  maxRequests?: number;
}

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'];
export const SHAPES = ['spike', 'soak', 'stress'] as const;

const DEFAULTS = { duration: '60s', vus: 10, rate: 10, timeUnit: '1s', gracefulStop: '30s', thinkTime: '1s', pollInterval: 500, jobDeadline: 30_000, samplePages: 3 };

/** k6 takes Go durations (no d/w); write whole seconds as `Ns`, anything else in ms. */
export function formatK6Duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Ramping stages for the named shapes, from the peak VUs and the total duration. */
export function shapeStages(shape: (typeof SHAPES)[number], vus: number, durationMs: number): K6Stage[] {
  const part = (f: number) => formatK6Duration(Math.max(1000, Math.round((durationMs * f) / 1000) * 1000));
  const at = (f: number) => Math.max(1, Math.round(vus * f));
  switch (shape) {
    // A short, sharp burst from a low base, then back: does the stack recover?
    case 'spike':
      return [
        { duration: part(0.2), target: at(0.1) },
        { duration: part(0.05), target: vus },
        { duration: part(0.25), target: vus },
        { duration: part(0.05), target: at(0.1) },
        { duration: part(0.45), target: at(0.1) },
      ];
    // Long and steady at 80 % of peak: leaks, pool exhaustion, disk growth.
    case 'soak':
      return [
        { duration: part(0.05), target: at(0.8) },
        { duration: part(0.9), target: at(0.8) },
        { duration: part(0.05), target: 0 },
      ];
    // Steps past the peak to twice it: where does it break?
    case 'stress':
      return [
        { duration: part(0.2), target: at(0.5) },
        { duration: part(0.2), target: vus },
        { duration: part(0.2), target: at(1.5) },
        { duration: part(0.2), target: at(2) },
        { duration: part(0.2), target: 0 },
      ];
  }
}

function pickScenario(config: LoadtestConfig, name: string | undefined): { name: string; scenario: ScenarioConfig } {
  const names = Object.keys(config.scenarios);
  if (name === undefined) {
    if (names.length === 0) throw new Error('the profile has no loadtest.scenarios');
    return { name: names[0], scenario: config.scenarios[names[0]] };
  }
  if (config.scenarios[name]) return { name, scenario: config.scenarios[name] };
  // spike/soak/stress without a profile entry: the first scenario, reshaped.
  if ((SHAPES as readonly string[]).includes(name) && names.length > 0) {
    const base = config.scenarios[names[0]];
    return { name, scenario: { ...base, executor: 'ramping-vus', shape: name as (typeof SHAPES)[number], stages: undefined } };
  }
  throw new Error(`no loadtest scenario named ${JSON.stringify(name)} (have: ${[...names, ...SHAPES].join(', ')})`);
}

function scaleStages(stages: K6Stage[], vusFactor: number, timeFactor: number): K6Stage[] {
  return stages.map((s) => ({
    duration: formatK6Duration(Math.max(1, Math.round(parseDuration(s.duration) * timeFactor))),
    target: Math.round(s.target * vusFactor),
  }));
}

function buildScenario(s: ScenarioConfig, o: PlanOverrides): K6Scenario {
  const gracefulStop = formatK6Duration(parseDuration(s.graceful_stop ?? DEFAULTS.gracefulStop));
  const durationMs = parseDuration(o.duration ?? s.duration ?? DEFAULTS.duration);
  const vus = o.vus ?? s.vus ?? s.pre_allocated_vus ?? DEFAULTS.vus;
  let stages: K6Stage[] | undefined = s.stages?.map((st) => ({ duration: formatK6Duration(parseDuration(st.duration)), target: st.target }));
  if (!stages && s.shape) stages = shapeStages(s.shape, vus, durationMs);
  else if (stages) {
    const total = stages.reduce((a, st) => a + parseDuration(st.duration), 0);
    const peak = Math.max(1, ...stages.map((st) => st.target));
    stages = scaleStages(stages, o.vus ? o.vus / peak : 1, o.duration ? durationMs / total : 1);
  }
  const rampStages = stages ?? [{ duration: formatK6Duration(durationMs), target: vus }];
  switch (s.executor) {
    case 'constant-vus':
      return { executor: s.executor, exec: s.kind, vus, duration: formatK6Duration(durationMs), gracefulStop };
    case 'ramping-vus':
      return { executor: s.executor, exec: s.kind, startVUs: 0, stages: rampStages, gracefulRampDown: gracefulStop, gracefulStop };
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate': {
      const preAllocatedVUs = s.pre_allocated_vus ?? o.vus ?? s.vus ?? DEFAULTS.vus;
      const maxVUs = Math.max(preAllocatedVUs, s.max_vus ?? preAllocatedVUs);
      const timeUnit = formatK6Duration(parseDuration(s.time_unit ?? DEFAULTS.timeUnit));
      const rate = o.rate ?? s.rate ?? DEFAULTS.rate;
      if (s.executor === 'constant-arrival-rate') {
        return { executor: s.executor, exec: s.kind, rate, timeUnit, duration: formatK6Duration(durationMs), preAllocatedVUs, maxVUs, gracefulStop };
      }
      return { executor: s.executor, exec: s.kind, startRate: 0, timeUnit, stages: stages ?? [{ duration: formatK6Duration(durationMs), target: rate }], preAllocatedVUs, maxVUs, gracefulStop };
    }
  }
}

/** How long the scenario's schedule runs, without graceful stop. */
export function scheduleDurationMs(sc: K6Scenario): number {
  if (sc.stages) return sc.stages.reduce((a, st) => a + parseDuration(st.duration), 0);
  return parseDuration(sc.duration ?? '0s');
}

/** The most VUs the scenario can have at once. */
export function peakVus(sc: K6Scenario): number {
  if (sc.maxVUs !== undefined) return sc.maxVUs;
  if (sc.stages) return Math.max(sc.startVUs ?? 0, ...sc.stages.map((st) => st.target));
  return sc.vus ?? 1;
}

export function buildLoadPlan(config: LoadtestConfig, overrides: PlanOverrides = {}): LoadPlan {
  const { name, scenario } = pickScenario(config, overrides.scenario);
  const k6 = buildScenario(scenario, overrides);
  // Validate the thresholds once here so a typo fails before any request is sent.
  for (const [metric, exprs] of Object.entries(config.thresholds)) {
    parseMetricKey(metric);
    exprs.forEach(parseThresholdExpr);
  }
  const maxDurationMs = parseDuration(config.max_duration);
  return {
    scenarioName: name,
    options: { scenarios: { [name]: k6 }, thresholds: structuredClone(config.thresholds), summaryTrendStats: [...SUMMARY_TREND_STATS] },
    workload: {
      kind: scenario.kind,
      uploadShare: scenario.upload_share ?? (scenario.kind === 'upload' ? 1 : scenario.kind === 'mixed' ? 0.05 : 0),
      thinkTimeMs: parseDuration(scenario.think_time ?? (k6.executor.endsWith('arrival-rate') ? '0s' : DEFAULTS.thinkTime)),
      jobOp: scenario.job_op ?? 'info',
      pollIntervalMs: DEFAULTS.pollInterval,
      jobDeadlineMs: scenario.job_deadline ? parseDuration(scenario.job_deadline) : DEFAULTS.jobDeadline,
      samplePages: scenario.sample_pages ?? DEFAULTS.samplePages,
    },
    maxDurationMs,
    maxRequests: Math.min(config.max_requests, overrides.maxRequests ?? Number.POSITIVE_INFINITY),
    usersNeeded: peakVus(k6),
  };
}

/** The run must fit the profile's bound; say which knob to turn when it does not. */
export function checkPlanBounds(plan: LoadPlan): string | undefined {
  const sc = plan.options.scenarios[plan.scenarioName];
  const total = scheduleDurationMs(sc) + parseDuration(sc.gracefulStop);
  if (total > plan.maxDurationMs) {
    return `scenario ${plan.scenarioName} runs ${formatK6Duration(total)} (with gracefulStop) but loadtest.max_duration is ${formatK6Duration(plan.maxDurationMs)}`;
  }
  return undefined;
}
