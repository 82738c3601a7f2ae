import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('Show the stack plan of the profile and what a deploy would change against the last applied plan')
    .option('--users <n>', 'size the stack for this many concurrent users: replicas, nodes, bottleneck, headroom, monthly cost')
    .option('--rps <n>', 'size for this many API requests a second (the workload mix of capacity.workload)')
    .option('--jobs-per-minute <n>', 'size for this many jobs a minute (with --users or --rps: overrides their job rate)')
    .option('--capacity-record <file>', 'size with this capacity record instead of the newest in <state>/capacity/')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl plan                               services, replicas, resources, networks, … and the diff
  $ prodctl plan -f prod/prodctl.yaml --json   the plan and the diff as JSON
  $ prodctl plan --set api.replicas=4          preview a change before editing the file
  $ prodctl plan --users 2000                  the size and monthly cost for 2,000 concurrent users
  $ prodctl plan --rps 1500 --json             the same for a request rate, as JSON
  $ prodctl plan --users 500 --jobs-per-minute 600

The last applied plan is <state>/last-plan.json (written by up/deploy). Sizing uses the newest
capacity record in <state>/capacity/ (written by \`prodctl loadtest run\` against the running stack
and by \`npm run bench -- --only capacity -- --state-dir <state>\`),
else the seed record shipped in examples/capacity/; see docs/capacity.md.`,
    )
    .action(async (opts, cmd) => {
      const { runPlanCapacity, wantsCapacity } = await import('../run-plan-capacity.js');
      if (wantsCapacity(opts)) return runPlanCapacity(createContext(cmd), opts);
      const { runPlan } = await import('../run-plan.js');
      await runPlan(createContext(cmd));
    });
}
