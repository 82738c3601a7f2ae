// `prodctl backup verify [ID]` and `prodctl backup prune`.
import { loadCompleteSet } from '../backup/catalog.js';
import { createLocalPgTools } from '../backup/parts/pg-tools.js';
import { prune } from '../backup/prune.js';
import { verifySet } from '../backup/verify.js';
import { BackupError } from '../lib/errors.js';
import { formatDuration, formatTable, paint, printJson, printLine } from '../lib/output.js';
import { resolveBackupEnv, type BackupEnvOptions } from './backup-env.js';
import type { CliContext } from './context.js';
import { refreshTextfile } from './run-backup.js';

export async function runBackupVerify(ctx: CliContext, id: string | undefined, o: BackupEnvOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const manifest = await loadCompleteSet(env.store, id);
  ctx.log.step(`verifying ${manifest.id}: checksums, then a restore into scratch Postgres and Redis`);
  const record = await verifySet({ store: env.store, manifest, key: env.codec.key, pgTools: createLocalPgTools(), onStep: (m) => ctx.log.step(m) });
  const textfile = await refreshTextfile(ctx, env);
  if (ctx.json) printJson({ ...record, textfile });
  else {
    printLine(`verify ${manifest.id}: ${record.ok ? paint('ok', 'green') : paint('FAILED', 'red')} in ${formatDuration(record.durationMs)}`);
    printLine(`  ${record.checked.files} files checksummed · ${record.checked.tables} tables compared · ${record.checked.redisDbs} redis dbs · ${record.checked.blobs} blobs decrypted`);
    if (record.checked.walSegments !== undefined) printLine(`  ${record.checked.walSegments} archived WAL segments in one unbroken run from the base backup`);
    for (const p of record.problems) printLine(`  ${paint('✗', 'red')} ${p}`);
  }
  if (!record.ok) throw new BackupError(`verify of ${manifest.id} failed: ${record.problems[0]}`, 'this set cannot be trusted; take a new backup and investigate the store');
}

export async function runBackupPrune(ctx: CliContext, o: BackupEnvOptions & { dryRun?: boolean }): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const rule = env.plan.profile.backup.retention;
  const plan = await prune(env.store, rule, { dryRun: Boolean(o.dryRun) });
  if (!o.dryRun) await refreshTextfile(ctx, env);
  if (ctx.json) {
    printJson({ dryRun: Boolean(o.dryRun), rule, keep: plan.decision.keep, remove: plan.decision.remove, incomplete: plan.incomplete, blobs: plan.blobs.length, wal: { keepFrom: plan.wal.keepFrom, removed: plan.wal.remove.length } });
    return;
  }
  const verb = o.dryRun ? 'would remove' : 'removed';
  printLine(`retention keep_last=${rule.keep_last} daily=${rule.daily} weekly=${rule.weekly} monthly=${rule.monthly}${o.dryRun ? ' (dry run: nothing deleted)' : ''}`);
  printLine(formatTable(['KEEP', 'WHY'], plan.decision.keep.map((k) => [k.id, k.reasons.join(', ')])));
  printLine(`${verb} ${plan.decision.remove.length} set(s), ${plan.incomplete.length} incomplete set(s), ${plan.blobs.length} unreferenced blob(s), ${plan.wal.remove.length} archived WAL file(s) ${plan.wal.keepFrom ? `before ${plan.wal.keepFrom}, the oldest kept base backup's start` : '(no kept base backup: WAL kept)'}`);
  for (const id of [...plan.decision.remove, ...plan.incomplete]) printLine(`  - ${id}`);
}
