import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('plan')
    .description('Show the stack plan of the profile and what a deploy would change against the last applied plan')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl plan                               services, replicas, resources, networks, … and the diff
  $ prodctl plan -f prod/prodctl.yaml --json   the plan and the diff as JSON
  $ prodctl plan --set api.replicas=4          preview a change before editing the file

The last applied plan is <state>/last-plan.json (written by up/deploy).`,
    )
    .action(async (_opts, cmd) => {
      const { runPlan } = await import('../run-plan.js');
      await runPlan(createContext(cmd));
    });
}
