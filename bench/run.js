#!/usr/bin/env node
// Runs every bench/*.bench.ts (each through `npx tsx`), collects the JSON object each prints as
// its last stdout line, and prints one table of values, baselines, ratios and goals.
//   npm run bench                      all benches, a table
//   npm run bench -- --json            one combined JSON object on stdout
//   npm run bench -- --only cli        only bench/cli.bench.ts (repeatable, comma-separated too)
// Extra arguments after `--` are passed to every bench script.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DIR = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const json = argv.includes('--json');
const only = new Set(argv.flatMap((a, i) => (argv[i - 1] === '--only' ? a.split(',') : [])));
const passIdx = argv.indexOf('--');
const pass = passIdx >= 0 ? argv.slice(passIdx + 1) : [];

const names = readdirSync(DIR)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((n) => only.size === 0 || only.has(n))
  .sort();
if (names.length === 0) {
  process.stderr.write(`error: no bench matches --only ${[...only].join(',')} — see the files in bench/\n`);
  process.exit(2);
}

const benches = [];
let failed = 0;
for (const name of names) {
  process.stderr.write(`bench ${name}…\n`);
  const t0 = Date.now();
  const r = spawnSync('npx', ['tsx', path.join(DIR, `${name}.bench.ts`), '--json', ...pass], {
    cwd: path.dirname(DIR),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed = null;
  try {
    parsed = JSON.parse(last);
  } catch {
    // reported below as a failed bench
  }
  if (r.status !== 0 || !parsed || !Array.isArray(parsed.results)) {
    failed++;
    benches.push({ bench: name, error: `exit ${r.status}; last line: ${last.slice(0, 200)}`, seconds: (Date.now() - t0) / 1000 });
  } else {
    benches.push({ ...parsed, seconds: (Date.now() - t0) / 1000 });
  }
}

if (json) {
  process.stdout.write(`${JSON.stringify({ benches }, null, 2)}\n`);
} else {
  const rows = [['BENCH', 'RESULT', 'VALUE', 'BASELINE', 'RATIO', 'GOAL']];
  for (const b of benches) {
    if (b.error) rows.push([b.bench, `FAILED: ${b.error}`, '', '', '', '']);
    for (const r of b.results ?? []) {
      const goal = r.goal == null ? '-' : `${r.goal}${r.ok === undefined ? '' : r.ok ? ' met' : ' MISSED'}`;
      rows.push([b.bench, r.name, `${r.value} ${r.unit ?? ''}`.trim(), String(r.baseline ?? '-'), String(r.ratio ?? '-'), goal]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) process.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`);
}
process.exit(failed > 0 ? 1 : 0);
