// `prodctl drill <scenario>`: refuses production without --yes-production, runs the scenario on
// the running native stack, writes the report (Markdown, JSON, JUnit) and fails when it did not pass.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CheckError, UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { parseDuration } from '../profile/units.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { judgeDrill, renderDrillJunit, renderDrillMarkdown } from './drill/drill-report.js';
import { executeDrill } from './drill/run-drill.js';
import { findScenario, SCENARIOS } from './drill/scenarios.js';
import { loadStack } from './load-stack.js';
import { resolveMonitoringUrl } from './monitoring-urls.js';
import { targetContext } from './target-context.js';
import { readEndpoints, endpointsFile } from '../checks/live/create-probes.js';

export interface DrillOptions {
  vus?: string;
  alertTimeout?: string;
  warmup?: string;
  reportDir?: string;
  maxFill?: string;
  yesProduction?: boolean;
}

function positive(v: string | undefined, flag: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 50) throw new UsageError(`${flag} ${v} is not a whole number from 1 to 50`, `e.g. ${flag} 2`);
  return n;
}

function parseMaxFill(v: string): number {
  const mib = Number(v);
  if (!Number.isInteger(mib) || mib < 1) throw new UsageError(`--max-fill ${v} is not a whole number of MiB`, 'e.g. --max-fill 2048');
  return mib * 1024 * 1024;
}

export async function runDrill(ctx: CliContext, scenario: string, o: DrillOptions): Promise<void> {
  const spec = findScenario(scenario);
  if (!spec) throw new UsageError(`unknown drill scenario ${scenario}`, `one of: ${Object.keys(SCENARIOS).join(', ')}`);
  const stack = await loadStack(ctx);
  const plan = stack.plan;
  if (plan.profile.project.environment === 'production' && !o.yesProduction) {
    throw new UsageError(`refusing to drill ${plan.project}: project.environment is production`, 'rehearse on staging; to break production on purpose, add --yes-production');
  }
  if (plan.target !== 'native') throw new UsageError(`drills run on the native target; ${plan.target} is not supported yet`, 'run the drill against a native stack (target: native)');
  const ep = readEndpoints(endpointsFile(ctx.stateDir, 'native'));
  if (!ep.edge?.port) throw new UsageError('the stack has no edge to send the load through', 'install haproxy and run `prodctl up`');
  const edgeUrl = `http://${ep.edge.host && ep.edge.host !== '0.0.0.0' ? ep.edge.host : '127.0.0.1'}:${ep.edge.port}`;
  const target = await selectTarget(plan, ctx.log);
  const numbers = await executeDrill({
    ctx,
    spec,
    target,
    tctx: targetContext(ctx, stack),
    edgeUrl,
    alertmanagerUrl: resolveMonitoringUrl(plan, ctx.stateDir, 'alertmanager'),
    vus: positive(o.vus, '--vus', 2),
    alertTimeoutMs: parseDuration(o.alertTimeout ?? '120s'),
    warmupMs: parseDuration(o.warmup ?? '5s'),
    maxFillBytes: parseMaxFill(o.maxFill ?? '1024'),
  });
  const report = judgeDrill(spec, numbers);
  const dir = path.resolve(ctx.cwd, o.reportDir ?? path.join(ctx.stateDir, 'drills', `${spec.name}-${numbers.startedAt.replace(/[:.]/g, '-')}`));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'drill.md'), renderDrillMarkdown(report));
  writeFileSync(path.join(dir, 'drill.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(dir, 'drill.junit.xml'), renderDrillJunit(report));
  if (ctx.json) printJson({ ...report, reportDir: dir });
  else {
    for (const line of renderDrillMarkdown(report).split('\n')) printLine(line);
    printLine(`reports: ${dir}/drill.{md,json,junit.xml}`);
  }
  if (!report.passed) throw new CheckError(`drill ${spec.name} failed: ${report.invariants.filter((i) => !i.ok).map((i) => i.name).join('; ')}`, `see ${path.join(dir, 'drill.md')}`);
}
