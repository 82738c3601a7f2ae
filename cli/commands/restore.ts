import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('restore [id]')
    .description('restore a backup set into the running stack: checksums first, safety backup, maintenance mode, restore, verify, back online')
    .option('--parts <list>', 'only these parts: postgres,redis,files', 'postgres,redis,files')
    .option('--to <dir>', 'backup folder (default: backup.target.path of the profile)')
    .option('--key-file <file>', 'encryption key file (default: backup.encryption.key_secret)')
    .option('--pg-url <url>', 'Postgres to restore into (default: the running stack)')
    .option('--redis-url <url>', 'Redis to restore into; also carries the maintenance flag (default: the running stack)')
    .option('--uploads <dir>', 'uploaded files folder (default: the running stack)')
    .option('--no-safety-backup', 'do not back up the current state first (not recommended)')
    .option('--drain-ms <ms>', 'wait after raising the maintenance flag so workers pause', '2000')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl restore                          newest complete set, asks for confirmation
  $ prodctl restore 20261128T030000Z-1a2b3c --yes
  $ prodctl restore --parts db,files --yes   (db is an alias of postgres)

Refuses before touching anything when a checksum differs, naming the part and the file.
While it runs the API answers writes 503 + Retry-After and workers pause (Redis key prodctl:maintenance).
Exit codes: 0 restored · 1 refused or failed (the service stays in maintenance if it failed mid-way) · 2 usage error`,
    )
    .action(async (id: string | undefined, opts, cmd: Command) => {
      const { runRestore } = await import('../run-restore.js');
      await runRestore(createContext(cmd), id, opts);
    });
}
