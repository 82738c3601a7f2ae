import type { Command } from 'commander';
import { Option } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('Write a commented prodctl.yaml and generate strong secrets (mode 0600, git-ignored)')
    .addOption(new Option('--preset <name>', 'sizing preset').choices(['small', 'medium', 'large']).default('medium'))
    .option('--dir <dir>', 'folder to write prodctl.yaml and secrets/ into', '.')
    .option('--name <project>', 'project name (3–40 lowercase letters, digits or dashes)')
    .option('--domain <host>', 'public domain of the API', 'pdf.example.com')
    .option('--force', 'overwrite an existing prodctl.yaml and secret files')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl init                             medium preset (recommended) in this folder
  $ prodctl init --preset small --dir ops/   one 2-CPU / 4 GB server, files under ops/
  $ prodctl init --force --json              regenerate everything; list the files as JSON

Never overwrites prodctl.yaml or a secret without --force (exit 2).`,
    )
    .action(async (opts, cmd) => {
      const { runInit } = await import('../run-init.js');
      await runInit(createContext(cmd), opts);
    });
}
