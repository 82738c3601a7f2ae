// `prodctl status`: one snapshot printed (text or --json), or the live ink view with --watch.
import path from 'node:path';
import { UsageError } from '../lib/errors.js';
import { paint, printJson, printLine, shouldColor } from '../lib/output.js';
import { parseDuration } from '../profile/units.js';
import type { StackPlan } from '../plan/types.js';
import { selectTarget } from '../targets/select-target.js';
import type { Target } from '../targets/types.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { resolveMonitoringUrl } from './monitoring-urls.js';
import { collectSnapshot, textfilePath, type StatusSources } from './status-view/collect-snapshot.js';
import { renderPlain, type Tone } from './status-view/format-snapshot.js';

export interface StatusOptions {
  watch?: boolean;
  interval: string;
  prometheusUrl?: string;
  alertmanagerUrl?: string;
  target?: string;
}

export async function runStatus(ctx: CliContext, o: StatusOptions): Promise<void> {
  const intervalMs = parseInterval(o.interval);
  const plan = await loadPlan(ctx);
  let target: Target | null = null;
  let targetError: string | undefined;
  try {
    target = await selectTarget(plan, ctx.log, o.target);
  } catch (err) {
    targetError = err instanceof Error ? err.message : String(err);
  }
  const scrapeSeconds = parseDuration(plan.profile.monitoring.scrape_interval) / 1000;
  const sources: StatusSources = {
    plan,
    target,
    targetError,
    targetCtx: { plan, renderedDir: path.join(ctx.stateDir, 'rendered'), stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes },
    prometheusUrl: resolveMonitoringUrl(plan, ctx.stateDir, 'prometheus', o.prometheusUrl),
    alertmanagerUrl: resolveMonitoringUrl(plan, ctx.stateDir, 'alertmanager', o.alertmanagerUrl),
    textfile: textfilePath(ctx.stateDir),
    // Four scrapes: enough points for rate(), short enough that the numbers move.
    rateWindow: `${Math.max(4, Math.round(4 * scrapeSeconds))}s`,
    timeoutMs: Math.min(1500, intervalMs),
    walArchiver: await walArchiverSource(ctx, plan),
  };
  const collect = () => collectSnapshot(sources);
  if (o.watch) {
    if (ctx.json) throw new UsageError('--watch and --json do not mix', 'use --json alone for one machine-readable snapshot');
    // On a terminal somebody is watching: ink (is-in-ci, read when ink loads) would hold every
    // frame back until exit when CI or CONTINUOUS_INTEGRATION is set, and the screen stays empty.
    if (process.stdout.isTTY) for (const v of ['CI', 'CONTINUOUS_INTEGRATION']) delete process.env[v];
    const { runLiveView } = await import('./status-view/live-view.js');
    await runLiveView(collect, intervalMs);
    return;
  }
  const snap = await collect();
  if (ctx.json) printJson(snap);
  else printLine(renderPlain(snap, toneColor(shouldColor())));
}

function parseInterval(v: string): number {
  try {
    const ms = parseDuration(v);
    if (ms >= 500) return ms;
  } catch {
    // falls through to the usage error
  }
  throw new UsageError(`--interval ${v} is not a duration of at least 500ms`, 'e.g. --interval 2s');
}

function toneColor(enabled: boolean): (text: string, tone: Tone) => string {
  const colors = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray' } as const;
  return (text, tone) => paint(text, colors[tone], enabled);
}

/** backup.wal.archive on: pg_stat_archiver of the stack's Postgres, reached as `prodctl backup` reaches it. */
async function walArchiverSource(ctx: CliContext, plan: StackPlan): Promise<StatusSources['walArchiver']> {
  const wal = plan.profile.backup.wal;
  if (!wal?.archive) return undefined;
  const lagLimitSeconds = (wal.lag_alert_factor * parseDuration(wal.archive_timeout)) / 1000;
  const { resolveBackupEnv, resolveLiveSources } = await import('./backup-env.js');
  const { readArchiver } = await import('../backup/wal/read-archiver.js');
  return {
    lagLimitSeconds,
    read: async () => {
      const env = await resolveBackupEnv(ctx, {});
      const live = await resolveLiveSources(ctx, env, {}, ['postgres']);
      return readArchiver(live.postgres!.conn);
    },
  };
}
