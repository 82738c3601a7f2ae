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
    .option('--to-time <iso>', 'point-in-time restore of Postgres to this time (ISO with zone), from the newest base backup before it and the archived WAL')
    .option('--to-lsn <lsn>', 'point-in-time restore of Postgres to this WAL position (e.g. 0/3000060)')
    .option('--latest', 'point-in-time restore of Postgres to the end of the archived WAL (the host is lost)')
    .option('--data-dir <dir>', 'with --to-time/--to-lsn: build the restored data folder here and touch nothing else (default on native: replace the stopped stack\'s folder)')
    .option('--timeout <s>', 'with --to-time/--to-lsn: give up when WAL replay takes longer', '3600')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl restore                          newest complete set, asks for confirmation
  $ prodctl restore 20261128T030000Z-1a2b3c --yes
  $ prodctl restore --parts db,files --yes   (db is an alias of postgres)
  $ prodctl down && prodctl restore --to-time 2026-12-07T14:03:00Z --yes && prodctl up
  $ prodctl restore --to-lsn 0/3000060 --data-dir /srv/pg-pitr --yes

Point-in-time (backup.wal.archive on): every transaction committed up to the target is back, none
after; refuses when no base backup finished before the target or archived WAL is missing.

Refuses before touching anything when a checksum differs, naming the part and the file.
While it runs the API answers writes 503 + Retry-After and workers pause (Redis key prodctl:maintenance).
Exit codes: 0 restored · 1 refused or failed (the service stays in maintenance if it failed mid-way) · 2 usage error`,
    )
    .action(async (id: string | undefined, opts, cmd: Command) => {
      if (opts.toTime || opts.toLsn || opts.latest) {
        const { runRestorePitr } = await import('../run-restore-pitr.js');
        return runRestorePitr(createContext(cmd), opts);
      }
      const { runRestore } = await import('../run-restore.js');
      await runRestore(createContext(cmd), id, opts);
    });
}
