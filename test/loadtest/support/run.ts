// Shared helpers for the engine tests: a load plan from a one-scenario config, a run, a result.
import { runEngine } from '../../../loadtest/engine/run-engine.js';
import { buildLoadPlan, type LoadtestConfig, type ScenarioConfig } from '../../../loadtest/plan.js';
import { buildRunResult, type RunResult } from '../../../loadtest/result.js';
import { renderSamplePdf } from '../../../loadtest/sample-pdf.js';

export function configWith(scenario: ScenarioConfig, thresholds: Record<string, string[]>, extra: Partial<LoadtestConfig> = {}): LoadtestConfig {
  return { allowed_hosts: [], max_duration: '5m', max_requests: 1_000_000, scenarios: { test: scenario }, thresholds, ...extra };
}

export function keysFor(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `vu-key-${i + 1}`);
}

export async function runAgainst(origin: string, config: LoadtestConfig, threads?: number): Promise<RunResult> {
  const plan = buildLoadPlan(config);
  const run = await runEngine({ plan, origin, keys: keysFor(plan.usersNeeded), pdf: Buffer.from(renderSamplePdf(3)), threads });
  return buildRunResult(run, plan, origin);
}
