import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('status')
    .description('health of every service and replica, traffic, queue, Postgres, Redis, firing alerts and the last backup')
    .option('-w, --watch', 'live view, redrawn every --interval (q or Ctrl-C to quit)')
    .option('--interval <duration>', 'refresh interval of --watch', '2s')
    .option('--prometheus-url <url>', 'Prometheus to query (default: PRODCTL_PROMETHEUS_URL, <state>/native/endpoints.json, then 127.0.0.1:<monitoring.prometheus_port>)')
    .option('--alertmanager-url <url>', 'Alertmanager for firing alerts (same defaults, alertmanager_port)')
    .option('--target <kind>', 'native | docker | swarm (default: the profile\'s)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl status                 one snapshot as text
  $ prodctl status --watch         live view, refreshed every 2 s
  $ prodctl status --json | jq '.queue.waiting'
  $ prodctl status --prometheus-url http://127.0.0.1:9090 --alertmanager-url http://127.0.0.1:9093

Each source fails on its own: without Prometheus the services, alerts and backup still show,
and the view says which part it could not reach.

Exit codes: 0 printed · 2 usage or config error`,
    )
    .action(async (opts, cmd: Command) => {
      const { runStatus } = await import('../run-status.js');
      await runStatus(createContext(cmd), opts);
    });
}
