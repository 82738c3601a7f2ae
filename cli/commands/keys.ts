import type { Command } from 'commander';
import { createContext } from '../context.js';
import type { KeysOptions } from '../run-keys.js';

function withDbOptions(cmd: Command): Command {
  return cmd
    .option('--database-url <url>', 'connect here instead of the plan + running stack (or PRODCTL_DATABASE_URL)')
    .option('--pepper-file <file>', 'API key pepper (default: the profile secret api_key_pepper, or PRODCTL_API_KEY_PEPPER_FILE)');
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for service accounts: create (shown once), list, revoke')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl keys create --user billing-service
  $ prodctl keys create --user prodctl-check --json | jq -r .key > .prodctl/check-key
  $ prodctl keys list --user billing-service
  $ prodctl keys revoke pdk_AbC123           (by printed prefix, or by key id)

Keys look like pdk_… and are stored only as an HMAC-SHA256 with the pepper secret; the key itself is
printed once and cannot be shown again. Clients send it as "Authorization: Bearer pdk_…".

Exit codes: 0 ok · 1 cannot connect · 2 usage error (e.g. no such key)`,
    );
  const run = async (action: 'create' | 'list' | 'revoke', opts: KeysOptions, cmd: Command, target?: string) => {
    const { runKeysCommand } = await import('../run-keys.js');
    await runKeysCommand(createContext(cmd), action, opts, target);
  };
  withDbOptions(keys.command('create').description('mint a key for a user (created if new); prints it once').requiredOption('--user <name>', 'user the key acts as')).action(
    (opts: KeysOptions, cmd: Command) => run('create', opts, cmd),
  );
  withDbOptions(keys.command('list').description('list keys (never the keys themselves)').option('--user <name>', 'only this user')).action(
    (opts: KeysOptions, cmd: Command) => run('list', opts, cmd),
  );
  withDbOptions(keys.command('revoke <idOrPrefix>').description('revoke a key by id or printed prefix; the API refuses it within API_KEY_CACHE_MS (1 s)')).action(
    (target: string, opts: KeysOptions, cmd: Command) => run('revoke', opts, cmd, target),
  );
}
