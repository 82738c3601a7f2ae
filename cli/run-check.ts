// `prodctl check`: load the stack, find the running one (unless --static-only), run the checks,
// print and write the reports, and turn gate failures into CheckError (exit 1).
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createLiveProbes } from '../checks/live/create-probes.js';
import type { LiveProbes } from '../checks/live/probes.js';
import { ALL_CHECKS } from '../checks/registry.js';
import { renderJunit } from '../checks/report/junit.js';
import { renderReadiness } from '../checks/report/readiness.js';
import { renderSarif } from '../checks/report/sarif.js';
import { formatReport } from '../checks/report/table.js';
import { isAtLeast, runChecks, unknownIds } from '../checks/run-checks.js';
import type { CheckRun, Severity } from '../checks/types.js';
import { CheckError, ProdctlError, UsageError } from '../lib/errors.js';
import { formatTable, printJson, printLine, shouldColor } from '../lib/output.js';
import type { CliContext } from './context.js';
import { loadStack } from './load-stack.js';
import { renderSloSection } from './slo-collect.js';
import { VERSION } from './version.js';
import { registerSecret } from '../lib/redact.js';
import { readSecret } from '../lib/secrets.js';

/** The command's options, as commander parses them (cli/commands/ registers them). */
export interface CheckOptions {
  failOn: string;
  staticOnly?: boolean;
  liveOnly?: boolean;
  only?: string;
  ignore?: string;
  junit?: string;
  sarif?: string;
  report?: string;
  apiKeyFile?: string;
  endpoints?: string;
  list?: boolean;
}

const splitIds = (v?: string) => (v ? v.split(',').map((x) => x.trim()).filter(Boolean) : []);

function readApiKey(ctx: CliContext, file?: string): string | null {
  if (file) {
    if (!existsSync(file)) throw new UsageError(`--api-key-file ${file} does not exist`, 'create one with `prodctl keys create --user prodctl-check --json`');
    return readSecret(file, '--api-key-file');
  }
  const fromEnv = process.env.PRODCTL_CHECK_API_KEY;
  if (fromEnv) {
    registerSecret(fromEnv);
    return fromEnv;
  }
  return readSecret(path.join(ctx.stateDir, 'check-api-key'), 'the cached check API key', { optional: true }) ?? null;
}

function listChecks(ctx: CliContext): void {
  if (ctx.json) return printJson(ALL_CHECKS.map(({ run: _run, ...meta }) => meta));
  printLine(formatTable(['ID', 'SEVERITY', 'SCOPE', 'CATEGORY', 'CHECK'], ALL_CHECKS.map((c) => [c.id, c.severity, c.scope, c.category, c.title])));
}

export async function runCheckCommand(ctx: CliContext, o: CheckOptions): Promise<CheckRun | void> {
  if (o.list) return listChecks(ctx);
  if (o.staticOnly && o.liveOnly) throw new UsageError('--static-only and --live-only exclude each other', 'pass one of them, or neither for both');
  const only = splitIds(o.only);
  const ignore = splitIds(o.ignore);
  const unknown = unknownIds([...only, ...ignore]);
  if (unknown.length) throw new UsageError(`unknown check id(s): ${unknown.join(', ')}`, 'see `prodctl check --list`');

  const { plan, files, renderedDir } = await loadStack(ctx);
  let probes: LiveProbes | null = null;
  let liveUnavailable: string | undefined;
  if (!o.staticOnly) {
    try {
      probes = await createLiveProbes(plan, { stateDir: ctx.stateDir, endpointsPath: o.endpoints, checkApiKey: readApiKey(ctx, o.apiKeyFile) });
    } catch (err) {
      if (o.liveOnly || !(err instanceof ProdctlError)) throw err;
      liveUnavailable = `${err.message} — ${err.hint ?? ''}`.trim();
      ctx.log.warn(`live checks skipped: ${liveUnavailable}`);
    }
  }
  let run: CheckRun;
  try {
    run = await runChecks({ plan, files, failOn: o.failOn as Severity, probes, liveUnavailable, staticOnly: o.staticOnly, liveOnly: o.liveOnly, only, ignore });
  } finally {
    await probes?.close();
  }
  if (o.junit) writeFileSync(o.junit, renderJunit(run));
  if (o.sarif) writeFileSync(o.sarif, `${JSON.stringify(renderSarif(run, { version: VERSION, profileUri: path.relative(ctx.cwd, ctx.profilePath) || 'prodctl.yaml', renderedBase: renderedDir }), null, 2)}\n`);
  if (o.report) writeFileSync(o.report, renderReadiness(run) + (o.staticOnly ? '' : await renderSloSection(plan, ctx.stateDir)));
  // printLine still masks secret values in the text; printJson's key-name masking would turn the
  // summary's `pass` count into "***" (no key of a check run holds a secret).
  if (ctx.json) printLine(JSON.stringify(run, null, 2));
  else printLine(formatReport(run, shouldColor(), ctx.verbose));
  if (run.summary.gateFailures > 0) {
    const ids = run.results.filter((r) => r.status === 'fail' && isAtLeast(r.severity, run.failOn)).map((r) => r.id);
    throw new CheckError(`${run.summary.gateFailures} check(s) failed at or above ${run.failOn}: ${ids.join(', ')}`, 'fix them (see the remediation above) or waive them in the profile under checks.waive with a reason and an expiry');
  }
  return run;
}
