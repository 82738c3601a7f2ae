// The commands Postgres runs to archive and fetch WAL through prodctl (archive_command,
// restore_command): what the postgresql.conf renderer, the native target and a point-in-time
// restore all write. Pure.

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
