// Who may log in to the native Postgres, and how: pg_hba.conf and pg_ident.conf, written by
// prodctl on every `up` (an older stack's `trust` lines go with the first one). Pure.
// - the local socket (its folder 0700, owned by the server's account): the superuser only by peer,
//   for the server's own account and the account prodctl runs as; every other role by scram;
// - loopback TCP: scram for every role (the runtime, migrations, backups, checks, exporters);
// - replication (pg_basebackup): the superuser only, loopback TCP, scram; the service role stays
//   NOREPLICATION, and `all` in the database column never matches a replication connection;
// - nothing else: the server listens on 127.0.0.1 only.
import path from 'node:path';
import type { NativePaths } from './supervisor/paths.js';

export const SUPERUSER_MAP = 'superuser';

export function renderNativeHba(): string {
  return [
    '# Rendered by prodctl for the native stack; rewritten on every `prodctl up`.',
    '# TYPE  DATABASE  USER      ADDRESS        METHOD',
    `local   all       postgres                 peer map=${SUPERUSER_MAP}`,
    'local   all       all                      scram-sha-256',
    'host    all       all       127.0.0.1/32   scram-sha-256',
    'host    all       all       ::1/128        scram-sha-256',
    'host    replication  postgres  127.0.0.1/32   scram-sha-256',
    'host    replication  postgres  ::1/128        scram-sha-256',
    '',
  ].join('\n');
}

/** The OS accounts that may be the `postgres` superuser over the socket. */
export function renderNativeIdent(osUsers: string[]): string {
  const users = [...new Set(['postgres', ...osUsers])];
  return ['# Rendered by prodctl: OS accounts allowed to log in as the postgres superuser (peer).', ...users.map((u) => `${SUPERUSER_MAP}  ${u}  postgres`), ''].join('\n');
}

/** The socket's own folder: 0700 and owned by the server's account, so no other user opens it. */
export function postgresSocketDir(paths: NativePaths): string {
  return path.join(paths.root, 'run', 'postgres');
}

/** pg_hba.conf and pg_ident.conf in the state folder's config (readable by the server's account). */
export function nativeHbaPaths(paths: NativePaths): { hba: string; ident: string } {
  return { hba: path.join(paths.configDir, 'postgres', 'pg_hba.conf'), ident: path.join(paths.configDir, 'postgres', 'pg_ident.conf') };
}
