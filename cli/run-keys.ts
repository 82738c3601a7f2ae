// prodctl keys create | list | revoke, against the service database.
import { UsageError } from '../lib/errors.js';
import { formatTable, printJson, printLine } from '../lib/output.js';
import { createApiKey, listApiKeys, revokeApiKey } from '../runtime/core/api-keys.js';
import type { CliContext } from './context.js';
import { resolveDatabase, resolvePepper, withDatabase } from './runtime-database.js';

/** The command's options, as commander parses them (cli/commands/ registers them). */
export interface KeysOptions {
  databaseUrl?: string;
  pepperFile?: string;
  user?: string;
}

export async function runKeysCommand(ctx: CliContext, action: 'create' | 'list' | 'revoke', o: KeysOptions, target?: string): Promise<void> {
  const cfg = await resolveDatabase(ctx, o);
  const pepper = action === 'create' ? await resolvePepper(ctx, o.pepperFile) : '';
  await withDatabase(cfg, async (pool) => {
    if (action === 'create') {
      if (!o.user || !/^[\w.@-]{1,100}$/.test(o.user)) throw new UsageError(`bad user name '${o.user ?? ''}'`, 'use letters, digits, . _ - @ (at most 100)');
      const k = await createApiKey(pool, o.user, pepper);
      // The key is printed deliberately, once: bypass redaction for this one value only.
      if (ctx.json) return void process.stdout.write(`${JSON.stringify({ id: k.id, user: o.user, prefix: k.prefix, key: k.key }, null, 2)}\n`);
      process.stdout.write(`${k.key}\n`);
      ctx.log.info(`API key ${k.prefix}… (id ${k.id}) for ${o.user}: store it now, it cannot be shown again`);
      return;
    }
    if (action === 'list') {
      const rows = await listApiKeys(pool, o.user);
      if (ctx.json) return printJson(rows.map((r) => ({ id: r.id, user: r.user, prefix: r.prefix, createdAt: r.created_at, revokedAt: r.revoked_at })));
      if (!rows.length) return printLine('no keys');
      printLine(formatTable(['ID', 'USER', 'PREFIX', 'CREATED', 'STATUS'], rows.map((r) => [r.id, r.user, `${r.prefix}…`, r.created_at.toISOString(), r.revoked_at ? `revoked ${r.revoked_at.toISOString()}` : 'active'])));
      return;
    }
    const n = await revokeApiKey(pool, target ?? '');
    if (n === 0) throw new UsageError(`no active key matches '${target}'`, 'see `prodctl keys list` for ids and prefixes');
    if (ctx.json) return printJson({ revoked: n });
    printLine(`revoked ${n} key${n === 1 ? '' : 's'}`);
  });
}
