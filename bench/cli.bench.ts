// Whole-process CLI timings: `prodctl --help` (goal ≤ 150 ms median) and `render` of the medium
// example (goal ≤ 500 ms median), each against the start of a bare `node -e 0` in the same run.
//   npx tsx bench/cli.bench.ts [--json] [--runs N]
// Needs the built CLI (npm run build).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'bin/prodctl.js');
const json = process.argv.includes('--json');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const say = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);

function timeProcess(args: string[]): number {
  const t0 = process.hrtime.bigint();
  execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function medianOf(args: string[]): number {
  timeProcess(args); // warm the file cache once
  const samples = Array.from({ length: RUNS }, () => timeProcess(args)).sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

const out = mkdtempSync(path.join(os.tmpdir(), 'prodctl-bench-render-'));
try {
  const baseline = medianOf(['-e', '0']);
  const cases = [
    { name: 'prodctl --help (whole process, median)', args: [BIN, '--help'], goal: 150 },
    { name: 'prodctl render medium (whole process, median)', args: [BIN, 'render', '-f', 'examples/medium/prodctl.yaml', '--out', out], goal: 500 },
  ];
  const results = cases.map((c) => {
    const value = medianOf(c.args);
    return { name: c.name, value: round(value), unit: 'ms', baseline: round(baseline), ratio: round(value / baseline), goal: c.goal, ok: value <= c.goal };
  });
  for (const r of results) say(`${r.name}: ${r.value} ms (node -e 0: ${r.baseline} ms, ratio ${r.ratio}, goal ≤ ${r.goal} ms: ${r.ok ? 'met' : 'MISSED'})`);
  process.stdout.write(`${JSON.stringify({ bench: 'cli', runs: RUNS, results })}\n`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
