import type { Command } from 'commander';
import { createContext } from '../context.js';

// Options every backup subcommand shares: where the sets are and how to read them.
function storeOptions(cmd: Command): Command {
  return cmd
    .option('--to <dir>', 'backup folder (default: backup.target.path of the profile)')
    .option('--key-file <file>', 'encryption key file (default: the secret named by backup.encryption.key_secret)');
}

function liveOptions(cmd: Command): Command {
  return cmd
    .option('--pg-url <url>', 'Postgres to back up (default: the running stack, <state>/native/endpoints.json + profile credentials)')
    .option('--redis-url <url>', 'Redis to back up (default: the running stack)')
    .option('--uploads <dir>', 'uploaded files folder (default: the running stack / storage.uploads_path)');
}

export function register(program: Command): void {
  const backup = program
    .command('backup')
    .description('consistent, checksummed, encrypted backups of Postgres, Redis and uploaded files; list, verify, prune, schedule')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl backup                  take a set now (same as \`prodctl backup run\`)
  $ prodctl backup list             sets and their verification status
  $ prodctl backup verify           restore the newest set into scratch instances and compare
  $ prodctl backup prune --dry-run  what GFS retention would remove, and why the rest stays
  $ prodctl backup schedule         render a systemd timer / cron entry for backup.schedule
  $ prodctl restore --yes           restore the newest set (see \`prodctl restore --help\`)

Docs: docs/backup.md`,
    );

  liveOptions(storeOptions(backup.command('run', { isDefault: true })))
    .description('take a backup set now (the default subcommand)')
    .option('--parts <list>', 'only these parts: postgres,redis,files', 'postgres,redis,files')
    .option('--verify', 'restore-verify the new set in scratch instances (default: backup.verify_after_backup)')
    .option('--no-verify', 'skip the verify after the backup')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl backup                        back up the running stack, verify per the profile
  $ prodctl backup --json                 one JSON summary on stdout (for cron / CI)
  $ prodctl backup --parts postgres --no-verify
  $ prodctl backup --pg-url postgres://app@127.0.0.1:5432/app --redis-url redis://127.0.0.1:6379 --uploads ./data/uploads --to /srv/backups

A set is complete only once its manifest.json is written (last, atomically): a killed backup
never looks complete. Exit codes: 0 ok · 1 a part failed (the message names it) · 2 usage/config error`,
    )
    .action(async (opts, cmd: Command) => {
      const { runBackup } = await import('../run-backup.js');
      await runBackup(createContext(cmd), opts);
    });

  storeOptions(backup.command('list'))
    .description('backup sets with their status: complete, verified, incomplete, running, corrupt')
    .addHelpText('after', `\nExamples:\n  $ prodctl backup list\n  $ prodctl backup list --json | jq '.[] | select(.complete)'`)
    .action(async (opts, cmd: Command) => {
      const { runBackupList } = await import('../run-backup.js');
      await runBackupList(createContext(cmd), opts);
    });

  storeOptions(backup.command('verify [id]'))
    .description('check every checksum, restore into scratch Postgres and Redis, compare with the manifest, record the result')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl backup verify                 the newest complete set
  $ prodctl backup verify 20261128T030000Z-1a2b3c --json

Writes <set>/verify.json and <state>/textfile/prodctl_backup.prom (read by prodctl check and node_exporter).
Exit codes: 0 verified · 1 a checksum, table or key count differs (named in the message)`,
    )
    .action(async (id: string | undefined, opts, cmd: Command) => {
      const { runBackupVerify } = await import('../run-backup-verify.js');
      await runBackupVerify(createContext(cmd), id, opts);
    });

  storeOptions(backup.command('prune'))
    .description('apply GFS retention (keep_last, daily, weekly, monthly); never deletes the newest verified set')
    .option('--dry-run', 'show what would be removed and why the rest is kept; delete nothing')
    .addHelpText('after', `\nExamples:\n  $ prodctl backup prune --dry-run\n  $ prodctl backup prune --json`)
    .action(async (opts, cmd: Command) => {
      const { runBackupPrune } = await import('../run-backup-verify.js');
      await runBackupPrune(createContext(cmd), opts);
    });

  backup
    .command('schedule')
    .description('render backup.schedule as a systemd timer and a cron entry into the state folder, with install steps')
    .option('--prodctl-bin <path>', 'prodctl executable the timer runs (default: this one)')
    .option('--run-loop', 'instead of rendering, stay in the foreground and run `prodctl backup` on the schedule (Docker scheduler service)')
    .option('--cron <expr>', 'with --run-loop: this schedule instead of backup.schedule')
    .option('--once', 'with --run-loop: wait for the next fire time, run one backup, exit')
    .addHelpText(
      'after',
      `\nExamples:\n  $ prodctl backup schedule\n  $ prodctl backup schedule --prodctl-bin /usr/local/bin/prodctl --json\n  $ prodctl backup schedule --run-loop          foreground scheduler (containers)`,
    )
    .action(async (opts, cmd: Command) => {
      if (opts.runLoop) {
        const { runBackupLoop } = await import('../run-backup-loop.js');
        return runBackupLoop(createContext(cmd), opts);
      }
      const { runBackupSchedule } = await import('../run-backup-schedule.js');
      await runBackupSchedule(createContext(cmd), opts);
    });
}
