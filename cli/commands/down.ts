import type { Command } from 'commander';
import { UsageError } from '../../lib/errors.js';

// Placeholder registration: replaced by the real command.
export function register(program: Command): void {
  program
    .command('down')
    .description('(not available in this build)')
    .action(() => {
      throw new UsageError('`prodctl down` is not available in this build', 'see `prodctl --help`');
    });
}
