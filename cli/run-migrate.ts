// prodctl migrate: the runtime's own migration function, pointed at the stack's database.
import { TargetError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { getMigrationStatus, runMigrations } from '../runtime/core/migrate.js';
import type { CliContext } from './context.js';
import { resolveDatabase, withDatabase } from './runtime-database.js';

/** The command's options, as commander parses them (cli/commands/ registers them). */
export interface MigrateOptions {
  databaseUrl?: string;
  status?: boolean;
}

export async function runMigrateCommand(ctx: CliContext, o: MigrateOptions): Promise<void> {
  const cfg = await resolveDatabase(ctx, o);
  await withDatabase(cfg, async (pool) => {
    let applied: string[] = [];
    if (!o.status) {
      ctx.log.step('applying migrations (advisory lock held)');
      try {
        applied = await runMigrations(pool, { lockTimeoutMs: 60_000 });
      } catch (err) {
        throw new TargetError((err as Error).message, 'fix the migration or the database, then run `prodctl migrate` again; each migration runs in its own transaction');
      }
    }
    const status = await getMigrationStatus(pool);
    if (ctx.json) return printJson({ applied: status.applied, pending: status.pending, current: status.current, appliedNow: applied });
    for (const name of applied) printLine(`applied ${name}`);
    printLine(status.current ? `database is up to date (${status.applied.length} migrations)` : `pending: ${status.pending.join(', ')}`);
  });
}
