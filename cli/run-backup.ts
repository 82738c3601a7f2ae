// `prodctl backup` and `prodctl backup list`.
import { listSets, type SetInfo } from '../backup/catalog.js';
import { createBackup } from '../backup/create-backup.js';
import type { Manifest } from '../backup/manifest.js';
import { summarizeStatus, writeTextfile } from '../backup/textfile.js';
import { verifySet } from '../backup/verify.js';
import { createLocalPgTools } from '../backup/parts/pg-tools.js';
import { formatBytes, formatDuration, formatTable, paint, printJson, printLine } from '../lib/output.js';
import { BackupError } from '../lib/errors.js';
import { createProgress } from './backup-progress.js';
import { parseParts, resolveBackupEnv, resolveLiveSources, type BackupEnv, type BackupEnvOptions } from './backup-env.js';
import type { CliContext } from './context.js';

export interface BackupRunOptions extends BackupEnvOptions {
  parts?: string;
  verify?: boolean;
}

export function summarizeManifest(m: Manifest) {
  const files = [m.parts.postgres, m.parts.redis, m.parts.files].flatMap((p) => p?.files ?? []);
  return {
    id: m.id,
    time: m.time,
    durationMs: m.durationMs,
    parts: Object.keys(m.parts),
    storedBytes: files.reduce((a, f) => a + f.bytes, 0),
    plainBytes: files.reduce((a, f) => a + f.plainBytes, 0),
    tables: m.parts.postgres ? Object.keys(m.parts.postgres.tables).length : 0,
    rows: m.parts.postgres ? Object.values(m.parts.postgres.tables).reduce((a, t) => a + t.rows, 0) : 0,
    redisKeys: m.parts.redis ? Object.values(m.parts.redis.keys).reduce((a, k) => a + k.keys, 0) : 0,
    blobs: m.parts.files?.files.length ?? 0,
    newBlobs: m.parts.files?.newBlobs ?? 0,
    encrypted: Boolean(m.encryption),
    compression: m.compression,
  };
}

export async function refreshTextfile(ctx: CliContext, env: BackupEnv): Promise<string> {
  return writeTextfile(ctx.stateDir, summarizeStatus(await listSets(env.store)));
}

export async function runBackup(ctx: CliContext, o: BackupRunOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const sources = await resolveLiveSources(ctx, env, o, parseParts(o.parts));
  ctx.log.step(`backing up ${Object.keys(sources).join(', ')} to ${env.store.description}`);
  const progress = createProgress(!ctx.json);
  const manifest = await createBackup({ store: env.store, sources, codec: env.codec, profileHash: env.profileHash, toolVersion: env.toolVersion, onProgress: progress.onProgress });
  const doVerify = o.verify ?? env.plan.profile.backup.verify_after_backup;
  let verify = null;
  if (doVerify) {
    ctx.log.step(`verifying ${manifest.id} in scratch instances`);
    // Always the local client tools: scratch instances run on this machine, and the live
    // source's tools may run inside the stack's own Postgres container.
    verify = await verifySet({ store: env.store, manifest, key: env.codec.key, pgTools: createLocalPgTools(), onStep: (m) => ctx.log.debug(m) });
  }
  const textfile = await refreshTextfile(ctx, env);
  const summary = { ...summarizeManifest(manifest), store: env.storeRoot, verify, textfile };
  if (ctx.json) printJson(summary);
  else {
    printLine(`backup ${paint(manifest.id, 'bold')} complete: ${summary.parts.join(', ')} · ${formatBytes(summary.storedBytes)} stored (${formatBytes(summary.plainBytes)} plain) · ${formatDuration(manifest.durationMs)}`);
    printLine(`  ${summary.tables} tables / ${summary.rows} rows · ${summary.redisKeys} redis keys · ${summary.blobs} files (${summary.newBlobs} new)`);
    if (verify) printLine(`  verify: ${verify.ok ? paint('ok', 'green') : paint(`FAILED: ${verify.problems.join('; ')}`, 'red')}`);
  }
  if (verify && !verify.ok) throw new BackupError(`backup ${manifest.id} was written but its verify failed: ${verify.problems[0]}`, 'run `prodctl backup verify` for details; do not rely on this set');
}

function statusText(s: SetInfo): string {
  if (s.status !== 'complete') return paint(s.status, s.status === 'running' ? 'yellow' : 'red');
  if (!s.verify) return 'complete, not verified';
  return s.verify.ok ? paint('verified', 'green') : paint('VERIFY FAILED', 'red');
}

export async function runBackupList(ctx: CliContext, o: BackupEnvOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const sets = (await listSets(env.store)).reverse();
  if (ctx.json) {
    printJson(
      sets.map((s) => ({
        id: s.id,
        time: s.time,
        status: s.status,
        complete: s.status === 'complete',
        verified: s.verify ? { ok: s.verify.ok, time: s.verify.time, problems: s.verify.problems } : null,
        summary: s.manifest ? summarizeManifest(s.manifest) : null,
        error: s.error,
      })),
    );
    return;
  }
  if (!sets.length) return printLine(`no backup sets in ${env.store.description}`);
  const rows = sets.map((s) => {
    const m = s.manifest ? summarizeManifest(s.manifest) : null;
    return [s.id, s.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z'), statusText(s), m ? m.parts.join(',') : '-', m ? formatBytes(m.storedBytes) : '-'];
  });
  printLine(formatTable(['ID', 'TIME', 'STATUS', 'PARTS', 'SIZE'], rows));
}
