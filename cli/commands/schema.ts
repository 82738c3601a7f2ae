import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('schema')
    .description('Print the JSON Schema of prodctl.yaml (for editor autocompletion and CI validation)')
    .option('-o, --out <file>', 'write the schema to this file instead of stdout')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl schema                              print the JSON Schema on stdout
  $ prodctl schema --out prodctl.schema.json    write it next to your profile
  # then put this first line in prodctl.yaml:
  # yaml-language-server: $schema=./prodctl.schema.json`,
    )
    .action(async (opts: { out?: string }) => {
      const { runSchema } = await import('../run-schema.js');
      runSchema(opts);
    });
}
