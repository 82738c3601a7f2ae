import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  const autoscale = program
    .command('autoscale')
    .description('The queue-depth worker autoscaler (docs/autoscale.md)')
    .addHelpText('after', `\nExamples:\n  $ prodctl autoscale run\n  $ prodctl autoscale run --once --json`);
  autoscale
    .command('run')
    .description('Poll the queue and scale the workers between autoscale.min and autoscale.max')
    .option('--once', 'make one decision, apply it and exit')
    .option('--target <kind>', 'override the profile target: native | docker')
    .option('--listen <host:port>', 'serve /healthz and /metrics here (how the native stack runs it as its autoscaler service)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl autoscale run                        # the controller loop; SIGTERM stops it
  $ prodctl autoscale run --once --json          # one decision: counts, desired workers, why
  $ prodctl autoscale run --set autoscale.scale_down_window=30s

Desired workers = ceil((waiting + active) / target_jobs_per_worker), one more when the oldest
waiting job is older than max_wait, within min..max. Up at most step_up per poll; down only to
the highest need of scale_down_window, once per window. A running deploy holds the lock and wins.
Each change is in the audit log; the last decision shows in \`prodctl status\`.
On the native target \`prodctl up\` runs it as the stack's \`autoscaler\` service (autoscale.service: false
leaves it to you).`,
    )
    .action(async (opts, cmd: Command) => {
      const { runAutoscale } = await import('../run-autoscale.js');
      await runAutoscale(createContext(cmd), opts);
    });
}
