import { formatDuration, formatTable, printJson, printLine } from '../lib/output.js';
import { readReleases } from '../state/releases.js';
import type { CliContext } from './context.js';

export function runReleases(ctx: CliContext, o: { limit?: string }): void {
  const releases = readReleases(ctx.stateDir).slice(-Number(o.limit ?? 20)).reverse();
  if (ctx.json) return printJson(releases);
  if (releases.length === 0) return printLine(`no releases recorded yet in ${ctx.stateDir}`);
  printLine(
    formatTable(
      ['RELEASE', 'VERSION', 'KIND', 'OUTCOME', 'IMAGE', 'PLAN', 'WHO', 'DURATION'],
      releases.map((r) => [r.id, r.version, r.kind, r.outcome, r.imageId.replace('sha256:', '').slice(0, 12), r.planHash.slice(0, 8), `${r.who}@${r.host}`, formatDuration(r.durationMs)]),
    ),
  );
}
