// Release history: one record per deploy/rollback/scale that changed the stack, kept in
// <state>/releases.json (the same facts also ride on container labels, see targets/docker).
import fs from 'node:fs';
import path from 'node:path';

export type ReleaseOutcome = 'applied' | 'failed' | 'rolled-back';

export interface ReleaseRecord {
  id: string;
  version: string;
  image: string;
  imageId: string;
  planHash: string;
  who: string;
  host: string;
  startedAt: string;
  durationMs: number;
  outcome: ReleaseOutcome;
  kind: 'deploy' | 'rollback' | 'scale';
  reason?: string;
}

export function releasesFile(stateDir: string): string {
  return path.join(stateDir, 'releases.json');
}

export function readReleases(stateDir: string): ReleaseRecord[] {
  const file = releasesFile(stateDir);
  if (!fs.existsSync(file)) return [];
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ReleaseRecord[];
}

/** Appends atomically (write temp + rename) so a crash never leaves a half-written history. */
export function recordRelease(stateDir: string, record: ReleaseRecord): void {
  const all = [...readReleases(stateDir), record];
  fs.mkdirSync(stateDir, { recursive: true });
  const tmp = `${releasesFile(stateDir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
  fs.renameSync(tmp, releasesFile(stateDir));
}

/** A sortable id: time first, so `releases` lists in order without parsing dates. */
export function makeReleaseId(now: Date, version: string): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${version}`;
}

export function findLastGood(releases: ReleaseRecord[]): ReleaseRecord | undefined {
  return [...releases].reverse().find((r) => r.outcome === 'applied');
}

/** The good release before the current one: what `rollback` with no version returns to. */
export function findPreviousGood(releases: ReleaseRecord[]): ReleaseRecord | undefined {
  const good = releases.filter((r) => r.outcome === 'applied');
  const current = good.at(-1);
  if (!current) return undefined;
  return [...good].reverse().find((r) => r.version !== current.version);
}

/** Versions whose images must be kept: the newest `keep` distinct good versions. */
export function selectVersionsToKeep(releases: ReleaseRecord[], keep: number): string[] {
  const out: string[] = [];
  for (const r of [...releases].reverse()) {
    if (r.outcome !== 'applied' || out.includes(r.version)) continue;
    out.push(r.version);
    if (out.length >= keep) break;
  }
  return out;
}
