// The WAL archiving block of postgresql.conf (backup.wal). Pure. Kept apart from the tuning
// settings: archive_mode needs a restart, archive_command is overridden per target.
import type { StackPlan } from '../../plan/types.js';
import type { ConfSetting } from '../conf-lines.js';
import { formatDuration } from './render-postgresql-conf.js';

/** The argv prefix of prodctl in the rendered file; the native target passes its own absolute one. */
export const RENDERED_PRODCTL = ['prodctl'];

/** Single-quotes each word for /bin/sh (Postgres runs archive_command through the shell). */
export function shellQuote(words: string[]): string {
  return words.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** archive_command: `<prodctl …> wal-push %p %f`. */
export function walPushCommand(prodctl: string[]): string {
  return `${shellQuote(prodctl)} wal-push %p %f`;
}

/** restore_command: `<prodctl …> wal-fetch %f %p`. */
export function walFetchCommand(prodctl: string[]): string {
  return `${shellQuote(prodctl)} wal-fetch %f %p`;
}

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
