import type { Command } from 'commander';
import { createContext } from '../context.js';

export function register(program: Command): void {
  program
    .command('drill <scenario>')
    .description('rehearse an incident on the running stack under load: break it, recover, and check no job was lost and the right alerts fired and resolved')
    .option('--vus <n>', 'virtual users of the background load (built-in engine, the profile\'s first load-test scenario)', '4')
    .option('--alert-timeout <duration>', 'how long the fault is held waiting for its alerts, and how long they may take to resolve', '120s')
    .option('--warmup <duration>', 'load before the fault and after the recovery', '5s')
    .option('--report-dir <dir>', 'where drill.md, drill.json and drill.junit.xml go (default <state>/drills/<scenario>-<time>)')
    .option('--max-fill <MiB>', 'disk-pressure: the most the scratch file on the data volume may take; the drill refuses a volume that needs more', '1024')
    .option('--yes-production', 'allow a drill when project.environment is production')
    .addHelpText(
      'after',
      `
Scenarios:
  postgres-restart   Postgres stopped until the fast burn-rate page (SloBudgetBurnFast) fires; prodctl up brings it back
  redis-restart      Redis stopped until SloBudgetBurnFast fires; prodctl up brings it back
  worker-crash       one worker killed with SIGKILL while jobs are in flight; the supervisor restarts it
  bad-deploy         a release whose /readyz never passes deployed through the target; the deploy must be
                     refused and the old release keep serving (shorten the wait with --set deploy.timeout=10s)
  disk-pressure      a scratch file fills the data volume below the disk alert's free share (half of it), until
                     HostDiskFilling for that mount point fires; then it is removed. At most --max-fill MiB

Examples:
  $ prodctl drill postgres-restart
  $ prodctl drill worker-crash --vus 4 --report-dir signoff/drills
  $ prodctl drill redis-restart --json | jq '.invariants[] | select(.ok | not)'
  $ prodctl -e production drill redis-restart --yes-production     (on purpose, in a maintenance window)

Each drill checks: accepted jobs lost = 0 and none completed twice (in Postgres), the load's error
ratio within the scenario's bound, the first good answer through the edge within its RTO, and each
expected alert fired and resolved in Alertmanager. See docs/drills.md.

Exit codes: 0 passed · 1 an invariant failed (the report says which) · 2 usage or config error`,
    )
    .action(async (scenario: string, opts, cmd: Command) => {
      const { runDrill } = await import('../run-drill.js');
      await runDrill(createContext(cmd), scenario, opts);
    });
}
