import type { Command } from 'commander';
import { UsageError } from '../../lib/errors.js';

// Placeholder registration: replaced by the real command.
export function register(program: Command): void {
  program
    .command('check')
    .description('(not available in this build)')
    .action(() => {
      throw new UsageError('`prodctl check` is not available in this build', 'see `prodctl --help`');
    });
}
