import type { Command } from 'commander';
import { createContext } from '../context.js';

// The two helpers Postgres itself runs: archive_command and restore_command (docs/backup.md).
export function register(program: Command): void {
  program
    .command('wal-push <path> <name>')
    .description("archive one WAL file to the backup target, compressed and encrypted (Postgres' archive_command)")
    .option('--to <dir>', 'backup folder (default: backup.target.path of the profile)')
    .option('--key-file <file>', 'encryption key file (default: backup.encryption.key_secret)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl -f /srv/app/prodctl.yaml wal-push pg_wal/000000010000000000000003 000000010000000000000003

Postgres runs it (rendered into postgresql.conf when backup.wal.archive is on; native fills in paths):
  archive_command = 'prodctl -f /srv/app/prodctl.yaml wal-push %p %f'

Exit codes: 0 archived (or archived before with the same content) · 1 not archived: Postgres keeps
the file and retries, nothing partial is ever visible in the target`,
    )
    .action(async (file: string, name: string, opts, cmd: Command) => {
      const { runWalPush } = await import('../run-wal.js');
      await runWalPush(createContext(cmd), file, name, opts);
    });

  program
    .command('wal-fetch <name> <path>')
    .description("fetch one archived WAL file from the backup target (Postgres' restore_command)")
    .option('--to <dir>', 'backup folder (default: backup.target.path of the profile)')
    .option('--key-file <file>', 'encryption key file (default: backup.encryption.key_secret)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl -f /srv/app/prodctl.yaml wal-fetch 000000010000000000000003 /tmp/000000010000000000000003

Postgres runs it during a point-in-time restore (prodctl restore --to-time sets this itself):
  restore_command = 'prodctl -f /srv/app/prodctl.yaml wal-fetch %f %p'

Exit codes: 0 fetched · 1 not archived (Postgres ends recovery there) · 126 archived but unreadable
(corrupt, wrong key, target down): Postgres aborts recovery instead of promoting at a wrong point`,
    )
    .action(async (name: string, file: string, opts, cmd: Command) => {
      const { runWalFetch } = await import('../run-wal.js');
      await runWalFetch(createContext(cmd), name, file, opts);
    });
}
