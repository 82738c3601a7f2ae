// Adapter: the backup engineer's on-disk state — one folder per set with a manifest.json written
// last (so a set without one is incomplete), and verify records next to it.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupSetInfo } from './probes.js';

async function readJson(file: string): Promise<Record<string, any> | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return null;
  }
}

const firstString = (o: Record<string, any>, keys: string[]) => keys.map((k) => o[k]).find((v) => typeof v === 'string' || typeof v === 'number');

/** Reads one verify record: {ok|passed|status, at|time|verifiedAt|finishedAt}. */
export function readVerifyRecord(o: Record<string, any>, file: string): BackupSetInfo['verify'] {
  const ok = o.ok === true || o.passed === true || ['ok', 'passed', 'pass', 'success'].includes(String(o.status ?? o.result ?? '').toLowerCase());
  const at = firstString(o, ['at', 'time', 'verifiedAt', 'verified_at', 'finishedAt', 'finished_at']);
  return { ok, at: at ? new Date(at).toISOString() : '', detail: typeof o.error === 'string' ? o.error : typeof o.detail === 'string' ? o.detail : undefined, file };
}

async function findVerify(setDir: string, root: string, id: string, manifest: Record<string, any>): Promise<BackupSetInfo['verify']> {
  const candidates = [path.join(setDir, 'verify.json'), path.join(root, 'verify', `${id}.json`), path.join(root, '.verify', `${id}.json`)];
  for (const f of candidates) {
    const o = await readJson(f);
    if (o) return readVerifyRecord(o, f);
  }
  if (manifest.verify && typeof manifest.verify === 'object') return readVerifyRecord(manifest.verify, path.join(setDir, 'manifest.json'));
  return undefined;
}

export async function backupSets(root: string): Promise<BackupSetInfo[]> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const sets: BackupSetInfo[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    const manifestFile = path.join(dir, 'manifest.json');
    const m = await readJson(manifestFile);
    if (!m) continue;
    const t = firstString(m, ['createdAt', 'created_at', 'time', 'finishedAt', 'finished_at', 'startedAt', 'started_at']);
    const createdAt = t ? new Date(t).toISOString() : (await stat(manifestFile)).mtime.toISOString();
    const id = String(m.id ?? name);
    sets.push({ id, dir, createdAt, verify: await findVerify(dir, root, id, m) });
  }
  return sets.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
