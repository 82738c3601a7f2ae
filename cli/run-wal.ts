// `prodctl wal-push` / `prodctl wal-fetch`: the store and key come from the profile exactly as for
// `prodctl backup`, so archiving follows the backup target whatever its kind.
import { fetchWal, pushWal } from '../backup/wal/wal-archive.js';
import { BackupError, WalFetchAbort } from '../lib/errors.js';
import { printLine } from '../lib/output.js';
import { resolveBackupEnv, type BackupEnvOptions } from './backup-env.js';
import type { CliContext } from './context.js';

export async function runWalPush(ctx: CliContext, file: string, name: string, o: BackupEnvOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o);
  const outcome = await pushWal(env.store, env.codec, file, name).catch((err: NodeJS.ErrnoException) => {
    throw pushFailure(err, env.store.description);
  });
  ctx.log.debug(`${name}: ${outcome} to ${env.store.description}`);
}

/** What the Postgres log shows when the target refuses the file: the account and the folder to fix, not "a bug". */
export function pushFailure(err: NodeJS.ErrnoException, target: string): Error {
  if (err instanceof BackupError) return err;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS') {
    return new BackupError(`wal-push: ${target} refuses the write (${err.code}: ${err.message})`, 'Postgres runs wal-push as its own account: let it write the backup target (chown postgres), or mount it read-write');
  }
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') return new BackupError(`wal-push: ${target} is full (${err.code})`, 'free space on the backup target; Postgres keeps the WAL and retries');
  return err;
}

export async function runWalFetch(ctx: CliContext, name: string, file: string, o: BackupEnvOptions): Promise<void> {
  const env = await resolveBackupEnv(ctx, o).catch((err: Error) => {
    throw new WalFetchAbort(`wal-fetch: ${err.message}`, 'the profile, backup target or key cannot be read');
  });
  if (!(await fetchWal(env.store, env.codec, name, file))) {
    // Normal at the end of the archive: Postgres asks for the next file until one is missing.
    printLine(`wal-fetch: ${name} is not archived`);
    process.exitCode = 1;
  }
}
