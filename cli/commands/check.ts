import { Command, Option } from 'commander';
import { SEVERITIES } from '../../checks/types.js';
import { createContext } from '../context.js';
import type { CheckOptions } from '../run-check.js';

export function register(program: Command): void {
  program
    .command('check')
    .description('production readiness: static checks on the plan and rendered files, live checks on the running stack')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a check at or above this severity fails').choices([...SEVERITIES]).default('high'))
    .option('--static-only', 'only the checks on the plan and the rendered files')
    .option('--live-only', 'only the checks against the running stack')
    .option('--only <ids>', 'run only these check ids (comma-separated)')
    .option('--ignore <ids>', 'skip these check ids (comma-separated)')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--sarif <file>', 'also write a SARIF 2.1.0 report')
    .option('--report <file>', 'also write the readiness sign-off report (Markdown)')
    .option('--api-key-file <file>', 'API key of the check user for the rate-limit probe (or PRODCTL_CHECK_API_KEY)')
    .option('--endpoints <file>', 'endpoints of the running stack (default: <state>/native/endpoints.json)')
    .option('--list', 'list every check with its id, severity and scope, and exit')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl check                               static + live, fail on high and above
  $ prodctl check --static-only --sarif out.sarif   CI gate on the rendered configs
  $ prodctl check --fail-on medium --junit checks.xml
  $ prodctl check --only REL-101,DATA-102 --json
  $ prodctl check --report readiness.md         sign-off report by checklist section
  $ prodctl keys create --user prodctl-check --json | jq -r .key > .prodctl/check-key
  $ prodctl check --api-key-file .prodctl/check-key

Waivers live in the profile:  checks: { waive: [{ id: SEC-002, reason: "...", expires: 2026-12-31 }] }
An expired waiver fails; every waiver shows in the report.

Exit codes: 0 nothing failed at or above --fail-on · 1 a check failed · 2 usage or config error`,
    )
    .action(async (opts: CheckOptions, cmd: Command) => {
      const { runCheckCommand } = await import('../run-check.js');
      await runCheckCommand(createContext(cmd), opts);
    });
}
