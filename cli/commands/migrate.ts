import type { Command } from 'commander';
import { createContext } from '../context.js';
import type { MigrateOptions } from '../run-migrate.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description("apply the service's versioned SQL migrations (under a Postgres advisory lock)")
    .option('--database-url <url>', 'connect here instead of the plan + running stack (or PRODCTL_DATABASE_URL)')
    .option('--status', 'only show applied and pending migrations')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl migrate                       apply pending migrations to the running stack's database
  $ prodctl migrate --status --json       applied / pending, as JSON
  $ PRODCTL_DATABASE_URL=postgresql://app@db:5432/app prodctl migrate

The database comes from the profile (postgres.database, user, password secret) and the running
stack's address (<state>/native/endpoints.json), unless --database-url is given. Replicas started
with MIGRATE_ON_START=1 take the same advisory lock, so they never race this command.

Exit codes: 0 up to date · 1 cannot connect or a migration failed · 2 usage or config error`,
    )
    .action(async (opts: MigrateOptions, cmd: Command) => {
      const { runMigrateCommand } = await import('../run-migrate.js');
      await runMigrateCommand(createContext(cmd), opts);
    });
}
