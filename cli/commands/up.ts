import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('up')
    .description('Start the whole stack from the profile (native: supervised local processes); idempotent')
    .option('--target <kind>', 'override the profile target: native | docker | swarm')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl up                          start everything the plan says (a no-op when it already runs)
  $ prodctl up --target native          supervised local processes, no Docker needed
  $ prodctl up -f examples/small/prodctl.yaml --state-dir /tmp/pdf --json

On the native target, prodctl starts Postgres (initdb the first time), Redis, migrations, the API
and workers, HAProxy, Prometheus, Alertmanager and the exporters from Debian's binaries. A missing
optional binary is skipped with its apt-get command. A second \`up\` changes nothing and says so.

Exit codes: 0 up · 1 a component failed to start (its last log lines are printed) · 2 usage or config error`,
    )
    .action(async (opts, cmd: Command) => {
      const { runUp } = await import('../run-up.js');
      await runUp(createContext(cmd), opts);
    });
}
