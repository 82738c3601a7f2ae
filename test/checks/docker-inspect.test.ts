// SEC-103 against the real Docker engine: a container created with the rendered limits and
// hardening passes; the same container without a read-only root and with a different memory
// limit fails, naming the container and the setting. Skips when no engine answers (see checkEngine).
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIVE_CHECKS } from '../../checks/registry.js';
import { runChecks } from '../../checks/run-checks.js';
import type { LiveProbes } from '../../checks/live/probes.js';
import { inspectContainers } from '../../checks/live/docker-probe.js';
import { checkEngine, ensureBaseImages } from '../docker/engine-support.js';
import { uniqueName } from '../support/services.js';
import { baselineFiles, baselinePlan } from './fixture-stack.js';

const docker = new Docker();
const created: Docker.Container[] = [];
let engine = false;

/** A redis container with the baseline compose's redis limits; `loosen` breaks one thing. */
async function startRedis(project: string, loosen: boolean): Promise<void> {
  const c = await docker.createContainer({
    Image: 'prodctl-local/redis:bookworm',
    Cmd: ['redis-server', '--save', '', '--appendonly', 'no'],
    User: 'redis',
    Labels: { 'prodctl.project': project, 'prodctl.service': 'redis' },
    HostConfig: {
      Memory: loosen ? 512 * 1024 ** 2 : 1024 ** 3,
      NanoCpus: 1e9,
      PidsLimit: 128,
      ReadonlyRootfs: !loosen,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      NetworkMode: 'none',
    },
  });
  created.push(c);
  await c.start();
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
  if (engine) await ensureBaseImages();
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
