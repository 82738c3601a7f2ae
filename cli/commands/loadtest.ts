import { Command, Option } from 'commander';
import { createContext } from '../context.js';

const shared = (c: Command) =>
  c
    .option('--scenario <name>', 'scenario from loadtest.scenarios, or spike | soak | stress (the first scenario, reshaped)')
    .option('--vus <n>', 'VUs (closed model) or pre-allocated VUs (open model); scales ramping stages')
    .option('--duration <d>', 'run length, e.g. 60s; scales ramping stages')
    .option('--rate <n>', 'iterations per time unit (arrival-rate executors)')
    .option('--max-requests <n>', 'stop after this many requests (never above loadtest.max_requests)');

export function register(program: Command): void {
  const lt = program
    .command('loadtest')
    .description('Load tests with the success metrics as k6 thresholds: render k6 scripts, or run them (k6 or the built-in engine)')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl loadtest render --out out/                         k6 scripts + sample PDF for every scenario
  $ prodctl loadtest run                                       default scenario against the running stack
  $ prodctl loadtest run --engine builtin --vus 200 --duration 30s --html report.html
  $ prodctl loadtest run --scenario spike --summary-export now.json --baseline last.json

Exit codes: 0 thresholds passed · 99 a threshold failed · 2 usage or config error · 1 other failure`,
    );

  shared(lt.command('render').description('Write the k6 script(s) and the sample PDF they upload'))
    .option('--out <dir>', 'output folder (default: <state>/rendered)')
    .addHelpText('after', '\nExample:\n  $ prodctl loadtest render --out out/ && k6 run -e BASE_URL=http://127.0.0.1:8080 out/loadtest/mixed.ts')
    .action(async (opts, cmd: Command) => {
      const { runLoadtestRender } = await import('../run-loadtest.js');
      await runLoadtestRender(createContext(cmd), opts);
    });

  shared(lt.command('run').description('Run a scenario and check its thresholds (exit 99 when one fails)'))
    .addOption(new Option('--engine <engine>', 'k6 when it is on PATH, else the built-in engine').choices(['builtin', 'k6']))
    .option('--target <url>', 'base URL (default: the edge of the running native stack); loopback or loadtest.allowed_hosts only')
    .option('--keys-file <file>', 'API keys, one per VU (JSON array or one per line); default: mint them in the stack and revoke after')
    .option('--threads <n>', 'worker threads of the built-in engine (default: one per core, one fewer for a target on this machine)')
    .option('--summary-export <file>', "write k6's summary JSON")
    .option('--junit <file>', 'write JUnit XML, one test case per threshold')
    .option('--html <file>', 'write one self-contained HTML report with plots')
    .option('--baseline <file>', 'compare with an earlier --summary-export file (% change)')
    .option('--no-live', 'no live progress line')
    .addHelpText(
      'after',
      `
Examples:
  $ prodctl loadtest run --engine builtin --scenario mixed --vus 1000 --duration 60s
  $ prodctl loadtest run --target http://127.0.0.1:8080 --keys-file keys.txt --junit loadtest.xml`,
    )
    .action(async (opts, cmd: Command) => {
      const { runLoadtestRun } = await import('../run-loadtest.js');
      await runLoadtestRun(createContext(cmd), opts);
    });
}
