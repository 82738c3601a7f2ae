import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('validate')
    .description('Check the profile, render it, and validate every rendered file with the real tools found here')
    .option('--only <name...>', 'run only these validations: compose, docker-stack, traefik-static, traefik-dynamic, haproxy, prometheus-config, prometheus-rules, alertmanager-schema, alertmanager-amtool, grafana-dashboards, k6, postgresql, redis')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl validate                              profile + every validation this machine can run
  $ prodctl validate -f prod/prodctl.yaml --json  results as JSON
  $ prodctl validate --only haproxy redis         just those two

Exit codes: 0 all passed (skipped ones are listed with the reason) · 1 a validation failed · 2 profile error.`,
    )
    .action(async (opts: { only?: string[] }, cmd) => {
      const { runValidate } = await import('../run-validate.js');
      await runValidate(createContext(cmd), opts);
    });
}
