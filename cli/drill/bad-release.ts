// The `bad-deploy` drill's release: a runtime build folder whose API answers but whose /readyz never
// passes (a release that cannot reach what it needs), and whose worker never gets ready and takes no
// job. It is deployed through the target; a health-gated deploy must refuse it and keep the old release.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Target, TargetContext } from '../../targets/types.js';

const API_MAIN = `// A never-healthy API (written by prodctl drill bad-deploy).
import http from 'node:http';
const port = Number(process.env.PORT);
http.createServer((req, res) => {
  if (req.url === '/readyz') return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"not ready","checks":{"drill":"bad release"}}');
  res.writeHead(500).end('bad release');
}).listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(\`drill bad release listening on \${port}; /readyz answers 503\`));
`;

const WORKER_MAIN = `// A never-ready worker (written by prodctl drill bad-deploy): it takes no job.
console.log('drill bad release worker: not ready, takes no job');
setInterval(() => {}, 1 << 30);
`;

/** Writes the never-healthy build under `dir` and returns its folder. */
export function writeBadRelease(dir: string): string {
  for (const [role, src] of [['api', API_MAIN], ['worker', WORKER_MAIN]]) {
    mkdirSync(path.join(dir, 'dist/runtime', role), { recursive: true });
    writeFileSync(path.join(dir, 'dist/runtime', role, 'main.js'), src);
  }
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify({ name: 'prodctl-drill-bad-release', version: '0.0.0-drill', type: 'module', private: true })}\n`);
  return dir;
}

export interface BadDeployOutcome {
  /** The deploy's outcome, or `refused` when it stopped with an error. */
  outcome: string;
  reason: string;
  releaseBefore: string | null;
  releaseAfter: string | null;
}

/** Deploys the never-healthy build through the target and records what became of it. */
export async function deployBadRelease(target: Target, tctx: TargetContext, build: string): Promise<BadDeployOutcome> {
  const releaseBefore = (await target.status(tctx)).release ?? null;
  let outcome: string;
  let reason: string;
  try {
    const r = await target.deploy(tctx, { build, version: 'drill-bad-release' });
    outcome = r.outcome;
    reason = r.reason ?? r.changes.join('; ');
  } catch (e) {
    outcome = 'refused';
    reason = (e as Error).message;
  }
  const releaseAfter = (await target.status(tctx)).release ?? null;
  return { outcome, reason, releaseBefore, releaseAfter };
}
