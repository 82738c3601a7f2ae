// The WAL archiving block of postgresql.conf (backup.wal). Pure. Kept apart from the tuning
// settings: archive_mode needs a restart, archive_command is overridden per target.
import type { StackPlan } from '../../plan/types.js';
import type { ConfSetting } from '../conf-lines.js';
import { RENDERED_PRODCTL, walPushCommand } from '../../plan/wal-commands.js';
import { formatDuration } from './pg-duration.js';

export function confQuote(v: string): string {
  return `'${v.replace(/'/g, "''")}'`;
}

export function walArchiveSettings(plan: StackPlan): ConfSetting[] {
  const wal = plan.profile.backup.wal;
  if (!wal?.archive) return [];
  return [
    { name: 'archive_mode', value: 'on', why: '--- WAL archiving (backup.wal): every finished WAL segment goes to the backup target ---' },
    { name: 'archive_timeout', value: formatDuration(wal.archive_timeout), why: 'backup.wal.archive_timeout: a segment with writes is switched and archived at least this often (the RPO bound)' },
    { name: 'archive_command', value: confQuote(walPushCommand(RENDERED_PRODCTL)), why: 'compressed + encrypted into the backup target; non-zero on any error, so Postgres keeps the file and retries' },
  ];
}
