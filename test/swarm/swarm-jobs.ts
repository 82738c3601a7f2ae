// Jobs on the live swarm: submitted through the edge like a client does, counted in the stack's own
// Postgres (read from inside an api task, with the runtime's config and modules: Postgres is on the
// internal overlay network only).
import type Docker from 'dockerode';
import { createEngine } from '../../engine/engine.js';
import { listServiceContainers } from '../../targets/docker/containers.js';
import { runInApi } from '../docker/real-stack-support.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import type { SwarmCluster } from './swarm-cluster.js';

/** An engine of a node that runs a task of the api (any node: its containers are what we exec into). */
export async function findApiNode(cluster: SwarmCluster, project: string, skip: string[] = []): Promise<Docker> {
  for (const n of cluster.nodes.filter((x) => !skip.includes(x.hostname))) {
    const docker = createEngine({ DOCKER_HOST: `tcp://${n.ip}:2375` });
    const running = (await listServiceContainers(docker, project, 'api').catch(() => [])).filter((c) => c.State === 'running');
    if (running.length > 0) return docker;
  }
  throw new Error('no node runs an api task');
}


/** Job states and the number of output files each job wrote, from the stack's database. */
export async function readJobOutcome(docker: Docker, project: string, ids: string[]): Promise<{ states: Record<string, number>; outputsPerJob: number[] }> {
  const out = await runInApi(
    docker,
    project,
    [
      "const d = process.cwd() + '/dist/runtime/core/';",
      "const { readConfig } = await import(d + 'config.js'); const { createPool } = await import(d + 'db.js');",
      "const cfg = readConfig(process.env, 'api'); const pool = createPool(cfg.pg);",
      `const ids = ${JSON.stringify(ids)};`,
      "const s = await pool.query('SELECT state, count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) GROUP BY state', [ids]);",
      "const o = await pool.query('SELECT source_job_id, count(*)::int AS n FROM files WHERE source_job_id = ANY($1::uuid[]) GROUP BY source_job_id', [ids]);",
      'await pool.end();',
      'process.stdout.write(JSON.stringify({ states: Object.fromEntries(s.rows.map((r) => [r.state, r.n])), outputsPerJob: o.rows.map((r) => r.n) }));',
    ].join(' '),
  );
  return JSON.parse(out) as { states: Record<string, number>; outputsPerJob: number[] };
}

/** Uploads one PDF through the edge and submits `count` split jobs of it (two outputs each). */
export async function submitSplitJobs(base: string, key: string, count: number, pages = 300): Promise<string[]> {
  const auth = { authorization: `Bearer ${key}` };
  const up = await fetch(`${base}/v1/files`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: await makePdf(pages) });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${await up.text()}`);
  const file = ((await up.json()) as { id: string }).id;
  const half = Math.floor(pages / 2);
  const submit = async () => {
    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ op: 'split', inputs: [file], params: { ranges: [`1-${half}`, `${half + 1}-`] } }),
    });
    if (res.status !== 202) throw new Error(`submit: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { id: string }).id;
  };
  const ids: string[] = [];
  // Ten at a time, twice a second: under the large preset's per-key limit (20/s, burst 40).
  for (let i = 0; i < count; i += 10) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, submit))));
    await new Promise((r) => setTimeout(r, 500));
  }
  return ids;
}

/** Waits until every job is completed or failed; returns the final outcome. */
export async function waitJobsSettled(docker: () => Promise<Docker>, project: string, ids: string[], timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = { states: {} as Record<string, number>, outputsPerJob: [] as number[] };
  while (Date.now() < deadline) {
    last = await readJobOutcome(await docker(), project, ids).catch(() => last);
    if ((last.states.completed ?? 0) + (last.states.failed ?? 0) === ids.length) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}
