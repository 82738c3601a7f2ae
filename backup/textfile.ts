// node_exporter textfile for `prodctl check` and alerts: <stateDir>/textfile/prodctl_backup.prom,
// rebuilt from the store each time (atomic rename, so the collector never reads half a file).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { METRICS } from '../contract/index.js';
import type { SetInfo } from './catalog.js';

export const TEXTFILE_NAME = 'prodctl_backup.prom';

export interface BackupStatus {
  lastSuccess: number | null;
  lastVerifyOk: number | null;
  lastVerifyTime: number | null;
}

/** Pure: the status the metrics describe, from the catalog. */
export function summarizeStatus(sets: SetInfo[]): BackupStatus {
  const complete = sets.filter((s) => s.status === 'complete');
  const last = complete.at(-1);
  const verifies = sets.map((s) => s.verify).filter((v) => v !== null).sort((a, b) => Date.parse(a!.time) - Date.parse(b!.time));
  const lastVerify = verifies.at(-1) ?? null;
  return {
    lastSuccess: last ? Math.floor(Date.parse(last.manifest!.finishedAt) / 1000) : null,
    lastVerifyOk: lastVerify ? (lastVerify.ok ? 1 : 0) : null,
    lastVerifyTime: lastVerify ? Math.floor(Date.parse(lastVerify.time) / 1000) : null,
  };
}

/** Pure: Prometheus text exposition; metrics without a value yet are left out. */
export function renderTextfile(s: BackupStatus): string {
  const lines: string[] = [];
  const add = (spec: { name: string; help: string }, v: number | null) => {
    if (v === null) return;
    lines.push(`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} gauge`, `${spec.name} ${v}`);
  };
  add(METRICS.backupLastSuccess, s.lastSuccess);
  add(METRICS.backupLastVerifyOk, s.lastVerifyOk);
  add(METRICS.backupLastVerifyTime, s.lastVerifyTime);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export function writeTextfile(stateDir: string, s: BackupStatus): string {
  const dir = path.join(stateDir, 'textfile');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, TEXTFILE_NAME);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, renderTextfile(s));
  renameSync(tmp, file);
  return file;
}
