// Issue 8's large stack runs, by hand (minutes of CPU on a 2-core machine; not part of `npm test`,
// whose bounded version is test/loadtest/native-stack.test.ts):
//   npx tsx test/loadtest/stack/run-stack-loadtest.ts            small preset, mixed, 1,000 VUs, 60 s
//   npx tsx test/loadtest/stack/run-stack-loadtest.ts --weak     the same, one worker left and a slow op
// Brings the small preset up natively with `prodctl up` (the shared test helper: a temp state
// folder, everything taken down at the end), then runs `prodctl loadtest run --engine builtin`
// with the profile's scenario — it mints one key per VU in the stack's database and revokes them
// afterwards — and exits with its exit code. Reports go to test-output/loadtest/<small|weak>/.
// Any further arguments go to `loadtest run` (e.g. --vus 200 --duration 30s).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startNativeStack } from '../../checks/native-stack.js';
import { ROOT } from '../../native/support.js';

const weak = process.argv.includes('--weak');
const extra = process.argv.slice(2).filter((a) => a !== '--weak');
const out = path.join(ROOT, 'test-output/loadtest', weak ? 'weak' : 'small');
mkdirSync(out, { recursive: true });

const stack = await startNativeStack('prodctl-loadtest-large-');
let code = 1;
try {
  // Weak: one worker of the preset's two, and every job a slow op (watermark on a 400-page upload).
  const sets: string[] = [];
  if (weak) {
    const sup = await stack.supervisor();
    const workers = (await sup.status()).filter((p) => p.service === 'worker' && p.state !== 'stopped');
    for (const w of workers.slice(1)) await sup.stop(w.id);
    for (const kv of ['job_op=watermark', 'sample_pages=400']) sets.push('--set', `loadtest.scenarios.mixed.${kv}`);
  }
  const args = [...sets, 'loadtest', 'run', '--engine', 'builtin', '--summary-export', path.join(out, 'summary.json'), '--junit', path.join(out, 'junit.xml'), '--html', path.join(out, 'report.html'), ...extra];
  process.stderr.write(`prodctl ${args.join(' ')}\n`);
  const t0 = Date.now();
  const r = await stack.cli(args, 15 * 60_000);
  writeFileSync(path.join(out, 'run.txt'), `${r.stdout}\n${r.stderr}`);
  process.stdout.write(`${r.stdout}\n`);
  process.stderr.write(`${r.stderr}\n`);
  code = r.exitCode ?? 1;
  process.stderr.write(`prodctl loadtest run exited with ${code} after ${((Date.now() - t0) / 1000).toFixed(0)} s (keys minted and revoked included)\n`);
} finally {
  await stack.down();
}
process.exit(code);
