import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('lock')
    .argument('<action>', 'status | release')
    .description('Show or release the deploy lock (holder, host, pid, since; stale when its process is gone)')
    .option('--target <kind>', 'override the profile target: native | docker')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl lock status
  $ prodctl lock release --yes      remove a lock whose deploy died (recorded in the audit log)

Exit codes: 0 ok · 1 lock held (status, so scripts can test it) · 2 usage error`,
    )
    .action(async (action: string, opts, cmd: Command) => {
      const { runLock } = await import('../run-lock.js');
      await runLock(createContext(cmd), action, opts);
    });
}
