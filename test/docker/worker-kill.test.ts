// The real runtime on the engine: `docker kill` of a worker container while it holds active jobs
// loses no job — every job completes exactly once (the other worker takes the stalled ones).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { getFreePort } from '../../lib/net.js';
import { createApiKey } from '../../runtime/core/api-keys.js';
import { createDockerTarget } from '../../targets/docker/docker-target.js';
import { createEngine } from '../../engine/engine.js';
import { LABEL } from '../../engine/labels.js';
import type { TargetContext } from '../../targets/types.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { buildRuntimePlan, RUNTIME_IMAGE } from '../fixtures/docker/runtime-plan.js';
import { makeTempDir } from '../support/services.js';
import { checkEngine, ensureImages } from './engine-support.js';

const engineHere = await checkEngine();
const docker = createEngine();
const project = `pdk${Date.now().toString(36)}`;

describe.skipIf(!engineHere)('docker target: the real runtime on the engine', () => {
  let ctx: TargetContext;
  let base: string;
  let db: pg.Pool;
  let key: string;
  const target = engineHere ? createDockerTarget() : (undefined as never);
  const authed = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${key}`, ...extra });

  beforeAll(async () => {
    // Builds prodctl-local/runtime:test from runtime/Dockerfile unless its sources are unchanged.
    await ensureImages({ runtime: true });
    await docker.getImage(RUNTIME_IMAGE).inspect();
    const [apiPort, pgPort] = [await getFreePort(), await getFreePort()];
    const plan = buildRuntimePlan({ project, apiPort, pgPort, queue: `q-${project}` });
    ctx = { plan, renderedDir: makeTempDir('prodctl-docker-rt-'), stateDir: makeTempDir('prodctl-docker-rt-'), log: createLogger({ quiet: true }), yes: true };
    const t0 = Date.now();
    const r = await target.deploy(ctx, { version: 'test' });
    console.log(`MEASURED runtime stack (postgres, redis, api, 2 workers) from nothing: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.outcome).toBe('applied');
    base = `http://127.0.0.1:${apiPort}`;
    const password = readFileSync(path.join(FIXTURE_DIR, 'secrets/postgres_password'), 'utf8');
    db = new pg.Pool({ host: '127.0.0.1', port: pgPort, user: 'postgres', password, database: 'prodctl', max: 2 });
    db.on('error', () => {});
    key = (await createApiKey(db, 'docker-e2e', readFileSync(path.join(FIXTURE_DIR, 'secrets/api_key_pepper'), 'utf8'))).key;
  }, 900_000);

  afterAll(async () => {
    await db?.end().catch(() => {});
    if (ctx) await target.down(ctx, { volumes: true });
  });

  it('docker kill of a worker mid-jobs loses no job', async () => {
    // Jobs of a few hundred milliseconds each, all queued at once: the workers must still be busy
    // when the poll below first looks (with 10-page jobs a fast stack finished all 30 before that).
    const up = await fetch(`${base}/v1/files`, { method: 'POST', headers: authed({ 'content-type': 'application/pdf' }), body: await makePdf(300) });
    expect(up.status).toBe(201);
    const file = ((await up.json()) as { id: string }).id;
    const submit = async () => {
      const res = await fetch(`${base}/v1/jobs`, { method: 'POST', headers: authed({ 'content-type': 'application/json' }), body: JSON.stringify({ op: 'split', inputs: [file], params: { ranges: ['1-150', '151-'] } }) });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const ids = await Promise.all(Array.from({ length: 30 }, submit));
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await db.query(`SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state = 'completed')::int AS done FROM jobs WHERE id = ANY($1::uuid[])`, [ids]);
      if (r.rows[0].active > 0 && r.rows[0].done > 0) break;
      if (Date.now() > deadline) throw new Error('the workers never got busy');
      await new Promise((res) => setTimeout(res, 20));
    }
    const [victim] = await docker.listContainers({ filters: { label: [`${LABEL.project}=${project}`, `${LABEL.service}=worker`] } });
    await docker.getContainer(victim.Id).kill({ signal: 'SIGKILL' });
    const done = Date.now() + 120_000;
    let states: Record<string, number> = {};
    while (Date.now() < done) {
      const r = await db.query(`SELECT state, count(*)::int AS n FROM jobs WHERE id = ANY($1::uuid[]) GROUP BY state`, [ids]);
      states = Object.fromEntries(r.rows.map((x) => [x.state, x.n]));
      if ((states.completed ?? 0) + (states.failed ?? 0) === ids.length) break;
      await new Promise((res) => setTimeout(res, 250));
    }
    console.log(`MEASURED worker kill: job states after recovery ${JSON.stringify(states)}`);
    expect(states).toEqual({ completed: ids.length });
    const outputs = await db.query(`SELECT source_job_id, count(*)::int AS n FROM files WHERE source_job_id = ANY($1::uuid[]) GROUP BY source_job_id`, [ids]);
    expect(outputs.rowCount).toBe(ids.length);
    for (const row of outputs.rows) expect(row.n).toBe(2); // two outputs per job, never duplicated
  }, 240_000);
});
