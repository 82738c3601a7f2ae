// Shared by the edge tests: the small example plan, and tiny real HTTP backends whose /readyz
// answers what the test says (the API replicas stand-ins for switch tests).
import http from 'node:http';
import path from 'node:path';
import { getFreePort } from '../../lib/net.js';
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { loadProfile } from '../../profile/load-profile.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export async function loadExamplePlan(preset = 'small', sets: string[] = []): Promise<StackPlan> {
  const l = await loadProfile({ path: path.join(ROOT, 'examples', preset, 'prodctl.yaml'), sets });
  return computePlan(l.profile, { preset: l.preset, profileDir: l.dir });
}

export interface Backend {
  address: string;
  port: number;
  hits: number;
  ready: boolean;
  close(): Promise<void>;
}

/** GET /readyz and /livez (what the rendered edge checks) → 200 while ready (else 503); anything
 *  else → 200 with the backend's label. */
export async function startBackend(label: string, ready = true): Promise<Backend> {
  const port = await getFreePort();
  const b: Backend = { address: `127.0.0.1:${port}`, port, hits: 0, ready, close: async () => {} };
  const server = http.createServer((req, res) => {
    if (req.url === '/readyz' || req.url === '/livez') return void res.writeHead(b.ready ? 200 : 503).end(b.ready ? 'ok' : 'not ready');
    b.hits++;
    res.writeHead(200, { 'content-type': 'text/plain' }).end(label);
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  b.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return b;
}
