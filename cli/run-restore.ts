// `prodctl restore [ID]`: confirm, then backup/restore.ts does checksums → safety backup →
// maintenance → restore → verify → service back.
import { createInterface } from 'node:readline/promises';
import { loadCompleteSet } from '../backup/catalog.js';
import { restoreSet } from '../backup/restore.js';
import { BackupError, UsageError } from '../lib/errors.js';
import { formatDuration, printJson, printLine } from '../lib/output.js';
import { parseParts, resolveBackupEnv, resolveLiveSources, type BackupEnvOptions } from './backup-env.js';
import type { BackupSources } from '../backup/sources.js';
import type { CliContext } from './context.js';
import { refreshTextfile } from './run-backup.js';

export interface RestoreCliOptions extends BackupEnvOptions {
  parts?: string;
  safetyBackup?: boolean;
  drainMs?: string;
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('restore replaces live data and needs confirmation', 'pass --yes to run it non-interactively');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export async function runRestore(ctx: CliContext, id: string | undefined, o: RestoreCliOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const parts = parseParts(o.parts);
  const manifest = await loadCompleteSet(env.store, id);
  const live = await resolveLiveSources(ctx, env, o, [...new Set([...parts, 'redis' as const])]);
  // The uploads are looked at even when only the database is restored: restoreSet refuses when
  // blobs its files table needs are gone, and tombstones the blobs it does not know.
  if (parts.includes('postgres') && !live.files) live.files = (await resolveLiveSources(ctx, env, o, ['files']).catch(() => ({}) as BackupSources)).files;
  if (!ctx.yes && !(await confirm(`Replace the live ${parts.join(', ')} with set ${manifest.id} (${manifest.time})? A safety backup is taken first.`))) {
    throw new BackupError('restore cancelled', 'nothing was changed');
  }
  const result = await restoreSet({
    store: env.store,
    manifest,
    key: env.codec.key,
    live,
    parts,
    safety: o.safetyBackup === false ? null : { codec: env.codec, profileHash: env.profileHash, toolVersion: env.toolVersion },
    drainMs: o.drainMs ? Number(o.drainMs) : undefined,
    onStep: (m) => ctx.log.step(m),
  });
  await refreshTextfile(ctx, env);
  if (ctx.json) return printJson(result);
  printLine(`restored ${result.parts.join(', ')} from ${result.setId} in ${formatDuration(result.durationMs)}; service is back`);
  if (result.orphansTombstoned) printLine(`  ${result.orphansTombstoned} later upload(s) the restored database does not know were tombstoned; the sweeper removes them after storage.blob_grace`);
  if (result.safetySetId) printLine(`  safety backup of the previous state: ${result.safetySetId} (prodctl restore ${result.safetySetId} --yes to undo)`);
}
