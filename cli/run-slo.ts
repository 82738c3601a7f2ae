// `prodctl slo`: the objectives of the profile measured from Prometheus over a window.
import { printJson, printLine } from '../lib/output.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';
import { resolveMonitoringUrl } from './monitoring-urls.js';
import { checkWindow, collectSloRows } from './slo-collect.js';
import { formatSloTable } from './slo-report.js';

export interface SloOptions {
  window?: string;
  prometheusUrl?: string;
}

export async function runSlo(ctx: CliContext, o: SloOptions): Promise<void> {
  const plan = await loadPlan(ctx);
  const window = checkWindow(o.window ?? plan.profile.slo.window);
  const url = resolveMonitoringUrl(plan, ctx.stateDir, 'prometheus', o.prometheusUrl);
  const rows = await collectSloRows(url, plan.profile.slo, window);
  if (ctx.json) {
    printJson({ window, prometheus: url, slos: rows });
    return;
  }
  printLine(`SLOs of ${plan.project} over ${window} (from ${url})`);
  for (const line of formatSloTable(rows)) printLine(line);
}
