// The Prometheus side of `prodctl slo`: runs the SLO queries as instant queries and turns the
// answers into rows. Shared by `prodctl slo`, `prodctl status` and `prodctl check --report`.
import { CheckError } from '../lib/errors.js';
import { parseDuration } from '../profile/units.js';
import type { SloProfile } from '../profile/slo-schema.js';
import type { StackPlan } from '../plan/types.js';
import { resolveMonitoringUrl } from './monitoring-urls.js';
import { buildSloQueries, burnWindowOf, computeSloRow, formatSloMarkdown, type SloRow } from './slo-report.js';

export async function collectSloRows(promUrl: string, slo: SloProfile, window: string, timeoutMs = 10_000): Promise<SloRow[]> {
  const burnWindow = burnWindowOf(slo);
  const queries = buildSloQueries(slo, window, burnWindow);
  return Promise.all(
    queries.map(async (q) => {
      const [counted, total, burn] = await Promise.all([q.counted, q.total, q.burn].map((e) => queryScalar(promUrl, e, timeoutMs)));
      return computeSloRow(q, window, burnWindow, { counted, total, burn });
    }),
  );
}

/** Checks a --window value: a duration Prometheus accepts in a range selector. */
export function checkWindow(window: string): string {
  try {
    if (parseDuration(window) >= 60_000 && /^\d+(s|m|h|d|w)$/.test(window)) return window;
  } catch {
    // falls through
  }
  throw new CheckError(`--window ${window} is not a whole duration of at least 1m`, 'e.g. --window 30d, --window 1h');
}

async function queryScalar(base: string, expr: string, timeoutMs: number): Promise<number | null> {
  let res: Response;
  try {
    res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new CheckError(`Prometheus at ${base} did not answer (${err instanceof Error ? err.message : String(err)})`, 'start the stack (prodctl up) or pass --prometheus-url');
  }
  const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new CheckError(`Prometheus refused an SLO query: ${body.error ?? res.status}`, 'check the Prometheus version (2.x or later) and the query in --verbose');
  const first = body.data?.result[0];
  return first ? Number(first.value[1]) : null;
}

/** The SLO section of `prodctl check --report`; says why when Prometheus cannot be asked. */
export async function renderSloSection(plan: StackPlan, stateDir: string): Promise<string> {
  const url = resolveMonitoringUrl(plan, stateDir, 'prometheus');
  const window = plan.profile.slo.window;
  try {
    return `\n${formatSloMarkdown(await collectSloRows(url, plan.profile.slo, window, 5_000), window, url).join('\n')}`;
  } catch (err) {
    return `\n## Service level objectives (${window})\n\nNot measured: ${err instanceof Error ? err.message : String(err)}\n`;
  }
}
