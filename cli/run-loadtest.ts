// `prodctl loadtest render|run`: profile → load plan → k6 files, or a run on the built-in engine
// (or k6) → summary, reports, exit 99 when a threshold fails.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ThresholdError, UsageError } from '../lib/errors.js';
import { printJson, printLine, shouldColor } from '../lib/output.js';
import { runEngine } from '../loadtest/engine/run-engine.js';
import { mintKeys, readKeysFile } from '../loadtest/keys.js';
import { buildLoadPlan, checkPlanBounds, type LoadPlan, type PlanOverrides } from '../loadtest/plan.js';
import { compareToBaseline, parseSummaryExport } from '../loadtest/report/baseline.js';
import { renderHtmlReport } from '../loadtest/report/html.js';
import { renderJunit } from '../loadtest/report/junit.js';
import { buildSummaryExport } from '../loadtest/report/summary-export.js';
import { formatLiveLine, renderSummaryText } from '../loadtest/report/text.js';
import { renderK6Files } from '../loadtest/render-k6.js';
import { buildRunResult, thresholdsPassed, type RunResult } from '../loadtest/result.js';
import { checkTargetAllowed } from '../loadtest/safety.js';
import { renderSamplePdf } from '../loadtest/sample-pdf.js';
import { loadProfile } from '../profile/load-profile.js';
import { createApiKey, revokeApiKey } from '../runtime/core/api-keys.js';
import type { CliContext } from './context.js';
import { startCapacitySample } from './loadtest-capacity.js';
import { resolveDatabase, resolvePepper, withDatabase } from './runtime-database.js';

export interface LoadtestOptions {
  scenario?: string;
  vus?: string;
  duration?: string;
  rate?: string;
  maxRequests?: string;
}

export interface RenderOptions extends LoadtestOptions {
  out?: string;
}

export interface RunOptions extends LoadtestOptions {
  engine?: 'builtin' | 'k6';
  target?: string;
  keysFile?: string;
  threads?: string;
  summaryExport?: string;
  junit?: string;
  html?: string;
  baseline?: string;
  live?: boolean;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number ≥ 1, got ${v}`, `e.g. ${flag} 100`);
  return n;
}

function overridesOf(o: LoadtestOptions): PlanOverrides {
  if (o.duration !== undefined && !/^\d+(\.\d+)?(ms|s|m|h)$/.test(o.duration)) throw new UsageError(`--duration must be like 30s, 5m or 1h, got ${o.duration}`, 'e.g. --duration 60s');
  return { scenario: o.scenario, vus: positiveInt(o.vus, '--vus'), duration: o.duration, rate: positiveInt(o.rate, '--rate'), maxRequests: positiveInt(o.maxRequests, '--max-requests') };
}

async function loadLoadPlans(ctx: CliContext, o: LoadtestOptions, all: boolean) {
  const loaded = await loadProfile({ path: ctx.profilePath, envName: ctx.envName, sets: ctx.sets });
  const lt = loaded.profile.loadtest;
  const build = (ov: PlanOverrides): LoadPlan => {
    try {
      return buildLoadPlan(lt, ov);
    } catch (err) {
      throw new UsageError((err as Error).message, 'see loadtest.scenarios in the profile, or `prodctl loadtest run --help`');
    }
  };
  const ov = overridesOf(o);
  const plans = all && !o.scenario ? Object.keys(lt.scenarios).map((name) => build({ ...ov, scenario: name })) : [build(ov)];
  for (const p of plans) {
    const problem = checkPlanBounds(p);
    if (problem) throw new UsageError(problem, 'shorten the run (--duration) or raise loadtest.max_duration');
  }
  return { loaded, plans };
}

export async function runLoadtestRender(ctx: CliContext, o: RenderOptions): Promise<void> {
  const { plans } = await loadLoadPlans(ctx, o, true);
  const out = path.resolve(ctx.cwd, o.out ?? path.join(ctx.stateDir, 'rendered'));
  const files = renderK6Files(plans);
  for (const f of files) {
    await mkdir(path.dirname(path.join(out, f.path)), { recursive: true });
    await writeFile(path.join(out, f.path), f.content);
  }
  if (ctx.json) printJson({ out, files: files.map((f) => f.path) });
  else files.forEach((f) => printLine(`wrote ${path.join(out, f.path)}`));
}

/** The edge of the running native stack, as the native target records it. */
async function defaultTarget(ctx: CliContext): Promise<string> {
  const file = path.join(ctx.stateDir, 'native', 'endpoints.json');
  try {
    const ep = JSON.parse(await readFile(file, 'utf8')) as { edge?: { host?: string; port?: number } };
    if (ep.edge?.port) return `http://${ep.edge.host && ep.edge.host !== '0.0.0.0' ? ep.edge.host : '127.0.0.1'}:${ep.edge.port}`;
  } catch {
    // fall through to the usage error
  }
  throw new UsageError(`no --target given and no running stack found (${file})`, 'start the stack with `prodctl up`, or pass --target http://127.0.0.1:PORT');
}

export interface MintedKeys {
  keys: string[];
  ids: string[];
  db: Awaited<ReturnType<typeof resolveDatabase>>;
}

/** One user and key per VU in the stack's database, with the runtime's own key functions. */
export async function mintRunKeys(ctx: CliContext, count: number): Promise<MintedKeys> {
  const db = await resolveDatabase(ctx, {});
  const pepper = await resolvePepper(ctx);
  const ids: string[] = [];
  const keys = await withDatabase(db, (pool) =>
    mintKeys(count, async (user) => {
      const k = await createApiKey(pool, user, pepper);
      ids.push(k.id);
      return k.key;
    }, 2),
  );
  return { keys, ids, db };
}

export async function revokeRunKeys(m: MintedKeys): Promise<void> {
  await withDatabase(m.db, async (pool) => {
    for (const id of m.ids) await revokeApiKey(pool, id);
  });
}

async function writeReports(r: RunResult, o: RunOptions): Promise<void> {
  if (o.summaryExport) await writeFile(o.summaryExport, `${JSON.stringify(buildSummaryExport(r), null, 2)}\n`);
  if (o.junit) await writeFile(o.junit, renderJunit(r));
  if (o.html) await writeFile(o.html, renderHtmlReport(r));
}

function failIfThresholdsFailed(r: Pick<RunResult, 'thresholds'>): void {
  if (thresholdsPassed(r)) return;
  const failed = r.thresholds.filter((t) => !t.ok).map((t) => `${t.metric} ${t.expr}`);
  throw new ThresholdError(`thresholds failed: ${failed.join('; ')}`, 'see the summary above; raise capacity (workers, replicas) or relax loadtest.thresholds');
}

export async function runLoadtestRun(ctx: CliContext, o: RunOptions): Promise<void> {
  const { loaded, plans } = await loadLoadPlans(ctx, o, false);
  const plan = plans[0];
  const target = o.target ?? (await defaultTarget(ctx));
  const refused = checkTargetAllowed(target, loaded.profile.loadtest.allowed_hosts);
  if (refused) throw new UsageError(`refusing to load-test ${target}: ${refused}`, 'point --target at 127.0.0.1, or add the host to loadtest.allowed_hosts');
  const origin = new URL(target).origin;
  const baseline = o.baseline ? parseSummaryExport(await readFile(o.baseline, 'utf8'), o.baseline) : undefined;
  const { isK6OnPath, runK6 } = await import('../loadtest/run-k6.js');
  const engine = o.engine ?? ((await isK6OnPath()) ? 'k6' : 'builtin');
  if (engine === 'k6' && o.html) throw new UsageError('--html needs the built-in engine (k6 does not export its timeline)', 'add --engine builtin');

  let keys: string[];
  let minted: MintedKeys | undefined;
  if (o.keysFile) keys = await readKeysFile(o.keysFile);
  else {
    ctx.log.info(`minting ${plan.usersNeeded} API keys (one user per VU); they are revoked after the run`);
    minted = await mintRunKeys(ctx, plan.usersNeeded);
    keys = minted.keys;
  }
  if (keys.length < plan.usersNeeded) throw new UsageError(`the run needs ${plan.usersNeeded} API keys (one per VU), the keys file has ${keys.length}`, 'mint more with `prodctl keys create`, or leave out --keys-file to mint them');

  try {
    if (engine === 'k6') {
      const r = await runK6(plan, origin, keys, path.join(os.tmpdir(), `prodctl-k6-${process.pid}`));
      if (o.summaryExport && r.summary) await writeFile(o.summaryExport, `${JSON.stringify(r.summary, null, 2)}\n`);
      if (r.exitCode === 99) throw new ThresholdError('k6 reported failed thresholds', 'see k6\'s summary above');
      if (r.exitCode !== 0) throw new UsageError(`k6 exited with ${r.exitCode}`, 'see k6\'s output above');
      return;
    }
    // Against the running native stack, the run is also a capacity measurement (docs/capacity.md).
    const sample = o.target === undefined ? await startCapacitySample(ctx).catch((err) => void ctx.log.warn(`no capacity record: ${(err as Error).message}`)) : undefined;
    const live = o.live !== false && !ctx.json && Boolean(process.stderr.isTTY);
    const abort = new AbortController();
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    const run = await runEngine({
      plan,
      origin,
      keys,
      pdf: Buffer.from(renderSamplePdf(plan.workload.samplePages)),
      threads: positiveInt(o.threads, '--threads'),
      signal: abort.signal,
      onProgress: live ? (p) => process.stderr.write(`\r\u001b[2K${formatLiveLine(p)}`) : undefined,
    }).finally(() => process.off('SIGINT', onSigint));
    if (live) process.stderr.write('\n');
    const result = buildRunResult(run, plan, origin);
    if (sample) {
      const rec = await sample.finish(result, plan).catch((err) => ({ file: undefined, skipped: (err as Error).message }));
      if (rec.file) ctx.log.info(`capacity record written to ${rec.file} (read by \`prodctl plan --users\`)`);
      else ctx.log.warn(`no capacity record: ${rec.skipped}`);
    }
    const rows = baseline ? compareToBaseline(baseline, buildSummaryExport(result)) : undefined;
    await writeReports(result, o);
    // printLine (text redaction), not printJson: key-based redaction would blank k6's `passes` counts.
    if (ctx.json) printLine(JSON.stringify({ ...buildSummaryExport(result), thresholds: result.thresholds, endpoints: result.endpoints, baseline: rows, result: thresholdsPassed(result) ? 'thresholds passed' : 'thresholds failed' }, null, 2));
    else printLine(renderSummaryText(result, shouldColor(), rows));
    failIfThresholdsFailed(result);
  } finally {
    if (minted) await revokeRunKeys(minted).catch((err) => ctx.log.warn(`could not revoke the load-test keys: ${(err as Error).message}`));
  }
}
