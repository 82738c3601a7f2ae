import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('slo')
    .description("each SLO's target, actual, error budget left and time to exhaustion at the current burn, from Prometheus")
    .option('--window <duration>', "window to measure over (default: the profile's slo.window, 30d)")
    .option('--prometheus-url <url>', 'Prometheus to query (default: PRODCTL_PROMETHEUS_URL, <state>/native/endpoints.json, then 127.0.0.1:<monitoring.prometheus_port>)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl slo                          this month so far: availability, upload and status latency, job success
  $ prodctl slo --window 1h              the last hour, e.g. during an incident
  $ prodctl slo --json | jq '.slos[] | select(.budgetRemaining < 0.5)'

Counts are exact (health probes excluded): bad / total is what the API and workers counted in the
window, as long as no replica restarted inside it. The burn rate is read over the fastest page
alert's long window (slo.burn_alerts.page_fast.long_window, 1h). See docs/slo.md.

Exit codes: 0 printed · 1 Prometheus unreachable or refused a query · 2 usage or config error`,
    )
    .action(async (opts, cmd: Command) => {
      const { runSlo } = await import('../run-slo.js');
      await runSlo(createContext(cmd), opts);
    });
}
