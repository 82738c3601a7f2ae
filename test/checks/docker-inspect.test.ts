// SEC-103 against the real Docker engine: a container created with the rendered limits and
// hardening passes; the same container without a read-only root and with a different memory
// limit fails, naming the container and the setting. Live checks find a Docker stack through the
// engine (no endpoints file): REL-101 against the container's own Redis. Skips when no engine answers.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_CHECKS } from '../../checks/registry.js';
import { runChecks } from '../../checks/run-checks.js';
import type { LiveProbes } from '../../checks/live/probes.js';
import { inspectContainers } from '../../checks/live/docker-probe.js';
import { createLiveProbes } from '../../checks/live/create-probes.js';
import { makeTempDir } from '../support/services.js';
import { rmSync } from 'node:fs';
import { checkEngine, ensureImages } from '../docker/engine-support.js';
import { uniqueName } from '../support/services.js';
import { baselineFiles, baselinePlan } from './fixture-stack.js';

const docker = new Docker();
const created: Docker.Container[] = [];
let engine = false;

/** A redis container with the baseline compose's redis limits; `loosen` breaks one thing. */
async function startRedis(project: string, loosen: boolean, policy = 'noeviction'): Promise<void> {
  const c = await docker.createContainer({
    Image: 'prodctl-local/redis:bookworm',
    Cmd: ['redis-server', '--save', '', '--appendonly', 'yes', '--dir', '/tmp', '--protected-mode', 'no', '--maxmemory-policy', policy],
    User: 'redis',
    Labels: { 'prodctl.project': project, 'prodctl.service': 'redis' },
    HostConfig: {
      Memory: loosen ? 512 * 1024 ** 2 : 1024 ** 3,
      NanoCpus: 1e9,
      PidsLimit: 128,
      ReadonlyRootfs: !loosen,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      NetworkMode: 'bridge',
      Tmpfs: { '/tmp': 'rw,size=16m' },
    },
  });
  created.push(c);
  await c.start();
  // The check connects at once: wait for Redis itself, not just the container (slow on a busy machine).
  const deadline = Date.now() + 30_000;
  while (!String(await c.logs({ stdout: true, stderr: true })).includes('Ready to accept connections')) {
    if (Date.now() > deadline) throw new Error(`redis in ${project} not ready after 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function sec103(project: string) {
  const plan = baselinePlan();
  plan.project = project;
  const probes = { containers: (p: string) => inspectContainers(p, docker) } as unknown as LiveProbes;
  const run = await runChecks({ plan, files: baselineFiles(), failOn: 'high', probes, checks: LIVE_CHECKS.filter((c) => c.id === 'SEC-103') });
  return run.results[0];
}

beforeAll(async () => {
  engine = await checkEngine();
  if (engine) await ensureImages({ runtime: false });
}, 600_000);

afterAll(async () => {
  for (const c of created) await c.remove({ force: true }).catch(() => {});
});

describe('SEC-103 docker inspect matches the rendered compose', () => {
  it('passes for a container created with the rendered limits and hardening', async (ctx) => {
    if (!engine) return ctx.skip();
    const project = uniqueName('chk');
    await startRedis(project, false);
    const r = await sec103(project);
    expect(r.status, r.evidence.join('\n')).toBe('pass');
    expect(r.evidence).toEqual(['1 containers match compose.yaml limits and security settings']);
  });

  it('fails naming the container and the setting when one is loosened', async (ctx) => {
    if (!engine) return ctx.skip();
    const project = uniqueName('chk');
    await startRedis(project, true);
    const r = await sec103(project);
    expect(r.status).toBe('fail');
    const name = (await created.at(-1)!.inspect()).Name.replace(/^\//, '');
    expect(r.evidence).toEqual([`${name}: Memory 536870912 ≠ rendered 1073741824`, `${name}: ReadonlyRootfs false`]);
  });
});

describe('live checks on the Docker target find the stack through the engine', () => {
  async function rel101(project: string) {
    const plan = baselinePlan();
    plan.project = project;
    plan.target = 'docker';
    const state = makeTempDir('prodctl-check-docker-');
    const probes = await createLiveProbes(plan, { stateDir: state });
    try {
      const run = await runChecks({ plan, files: baselineFiles(), failOn: 'high', probes, only: ['REL-101'] });
      return { r: run.results[0], source: probes.endpointsSource, redis: probes.endpoints.redis };
    } finally {
      await probes.close();
      rmSync(state, { recursive: true, force: true });
    }
  }

  it('REL-101 passes on a noeviction container and fails on an allkeys-lru one, naming its address', async (ctx) => {
    if (!engine) return ctx.skip();
    const good = uniqueName('chk');
    await startRedis(good, false);
    const a = await rel101(good);
    expect(a.source).toBe(`docker engine (project ${good})`);
    expect(a.r.status, a.r.evidence.join('\n')).toBe('pass');
    const bad = uniqueName('chk');
    await startRedis(bad, false, 'allkeys-lru');
    const b = await rel101(bad);
    expect(b.r.status).toBe('fail');
    expect(b.r.evidence).toEqual([`redis ${b.redis!.host}:6379 CONFIG GET maxmemory-policy = allkeys-lru`]);
  });

  it('no container of the project: a clear error naming the label', async (ctx) => {
    if (!engine) return ctx.skip();
    const plan = baselinePlan();
    plan.project = uniqueName('none');
    plan.target = 'docker';
    await expect(createLiveProbes(plan, { stateDir: makeTempDir('prodctl-check-docker-') })).rejects.toThrow(`no running stack found: no container labelled prodctl.project=${plan.project}`);
  });
});
