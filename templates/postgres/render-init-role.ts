// postgres/initdb/10-service-role.sh: the service's own role on the Docker target. The postgres
// image runs (sources) it once, on an empty data folder, while a socket-only server runs: it
// creates the role the API, workers, migrations, backups and exporters log in as — no superuser,
// no CREATEROLE, owner of its database only — with its own secret, not the superuser's.
// The password is read by psql from the secret file (a backtick, so it is on no command line) and
// the session turns statement logging off first: the rendered postgresql.conf logs DDL.
import { MOUNT_PATHS, RENDER_PATHS, secretPath } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import type { RenderedFile } from '../types.js';

/** The statements that keep a password out of the server's log, for this session only. */
export const QUIET_SESSION_SQL = ["SET log_statement = 'none'", 'SET log_min_duration_statement = -1', "SET log_min_error_statement = 'panic'"];

/** What the service role may not do, spelled out so an existing role is brought back to it too. */
export const SERVICE_ROLE_LIMITS = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';

export function renderInitRole(plan: StackPlan): RenderedFile {
  const pg = plan.profile.postgres;
  const role = `"${pg.user}"`;
  const db = `"${pg.database}"`;
  const content = [
    '# Rendered by prodctl from the profile; edit the profile, not this file.',
    `# Sourced once by the postgres image's entrypoint (${MOUNT_PATHS.postgresInitRole}) on an empty`,
    `# data folder: the service role ${pg.user}, distinct from the superuser, owner of ${pg.database} only.`,
    'psql -v ON_ERROR_STOP=1 --no-psqlrc --username postgres --dbname postgres <<\'SQL\'',
    `\\set pw \`cat ${secretPath(pg.password_secret)}\``,
    ...QUIET_SESSION_SQL.map((s) => `${s};`),
    `CREATE ROLE ${role} ${SERVICE_ROLE_LIMITS} PASSWORD :'pw';`,
    `ALTER DATABASE ${db} OWNER TO ${role};`,
    'SQL',
    '',
  ].join('\n');
  return { path: RENDER_PATHS.postgresInitRole, content };
}
