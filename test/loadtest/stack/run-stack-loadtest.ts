// Issue 8's stack runs, by hand (minutes of CPU; not part of `npm test`):
//   npx tsx test/loadtest/stack/run-stack-loadtest.ts            small preset, mixed, 1,000 VUs, 60 s
//   npx tsx test/loadtest/stack/run-stack-loadtest.ts --weak     one worker, concurrency 1, a slow op
// Starts the real runtime with the small preset's settings — Postgres, Redis (noeviction), one API
// replica, two workers × concurrency 2, HAProxy as the edge — writes <state>/native/endpoints.json
// the way the native target does, then runs `prodctl loadtest run` against it and exits with its
// exit code. Use it while `prodctl up` (native target) is not available; afterwards prefer
// `prodctl up && prodctl loadtest run`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { getFreePort, waitForPort } from '../../../lib/net.js';
import { startProcess, startRuntimeStack, type RuntimeProcess } from '../../runtime/support.js';

const weak = process.argv.includes('--weak');
const extra = process.argv.slice(2).filter((a) => a !== '--weak');
const root = path.resolve(import.meta.dirname, '../../..');
const out = path.join(root, 'test-output/loadtest', weak ? 'weak' : 'small');
mkdirSync(path.join(out, 'state/native'), { recursive: true });

function haproxyConfig(port: number, apiPort: number): string {
  // The small preset's edge: keep-alive to clients and the preset's timeouts. maxconn 9000: the
  // preset's 20,000 needs an FD limit of 40,000+, above this container's hard limit of 20,000.
  return `global
  maxconn 9000
defaults
  mode http
  option http-keep-alive
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
frontend edge
  bind 127.0.0.1:${port}
  maxconn 9000
  default_backend api
backend api
  option httpchk GET /readyz
  server api1 127.0.0.1:${apiPort} check inter 2s maxconn 2000
`;
}

const stack = await startRuntimeStack();
const procs: RuntimeProcess[] = [];
let haproxy: ChildProcess | undefined;
let code = 1;
try {
  // The small preset (profile/presets.ts): rate limits 20 rps / burst 40 / 30 uploads per minute,
  // pool 5, queue depth 2,000, 50 MiB uploads, 5 GiB quota; workers 2 × concurrency 2.
  const small = { PG_POOL_MAX: '5', RATE_REQUESTS_PER_SECOND: '20', RATE_BURST: '40', RATE_UPLOADS_PER_MINUTE: '30', QUEUE_MAX_DEPTH: '2000', MAX_UPLOAD_BYTES: String(50 * 1024 ** 2), STORAGE_QUOTA_BYTES: String(5 * 1024 ** 3), JOB_TIMEOUT_MS: '120000', LOG_LEVEL: 'warn' };
  const env = { ...stack.env, ...small };
  procs.push(await startProcess('api', env));
  const workers = weak ? 1 : 2;
  for (let i = 0; i < workers; i++) procs.push(await startProcess('worker', env, { WORKER_CONCURRENCY: weak ? '1' : '2' }));
  const edgePort = await getFreePort();
  const cfg = path.join(out, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(edgePort, procs[0].port));
  haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'inherit', 'inherit'] });
  await waitForPort(edgePort, '127.0.0.1', 15_000);
  const state = path.join(out, 'state');
  writeFileSync(path.join(state, 'native/endpoints.json'), JSON.stringify({ edge: { host: '127.0.0.1', port: edgePort }, postgres: { host: stack.pg.host, port: stack.pg.port } }, null, 2));
  const profile = path.join(out, 'prodctl.yaml');
  // Weak: the same mixed run, but every job is a slow op (watermark on a 400-page upload).
  writeFileSync(
    profile,
    `extends: small\nproject: { name: pdf-loadtest, domains: [], environment: loadtest }\n${weak ? 'loadtest:\n  scenarios:\n    mixed: { job_op: watermark, sample_pages: 400 }\n' : ''}`,
  );
  const cli = `import(${JSON.stringify(pathToFileURL(path.join(root, 'cli/main.ts')).href)}).then(async (m) => { process.exitCode = await m.run(process.argv); })`;
  const args = ['-f', profile, '--state-dir', state, 'loadtest', 'run', '--engine', 'builtin', '--summary-export', path.join(out, 'summary.json'), '--junit', path.join(out, 'junit.xml'), '--html', path.join(out, 'report.html'), ...extra];
  process.stderr.write(`prodctl ${args.join(' ')}\n`);
  const child = spawn(process.execPath, ['--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, '-e', cli, 'prodctl', ...args], {
    stdio: 'inherit',
    env: { ...process.env, PRODCTL_DATABASE_URL: stack.pg.connectionString(stack.database), PRODCTL_API_KEY_PEPPER_FILE: path.join(stack.dir, 'pepper') },
  });
  code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 1)));
  process.stderr.write(`prodctl loadtest run exited with ${code}\n`);
} finally {
  haproxy?.kill('SIGTERM');
  procs.forEach((p, i) => writeFileSync(path.join(out, `${i === 0 ? 'api' : `worker${i}`}.log`), p.output()));
  await Promise.all(procs.map((p) => p.stop()));
  await stack.cleanup();
}
process.exit(code);
