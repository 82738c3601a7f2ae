// End-to-end on the real engine with a small hand-written stack (test/fixtures/docker/stack-plan.ts):
// deploy from nothing, no-op redeploy, a roll, the lock, rollback, scale, and that every container
// runs exactly as hardened as the plan says. Load and the never-healthy build: real-plan-deploy.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { getFreePort } from '../../lib/net.js';
import { readAudit } from '../../state/audit.js';
import { acquireLock, describeSelf } from '../../state/lock.js';
import { findPreviousGood, readReleases } from '../../state/releases.js';
import { buildImage } from '../../targets/docker/build-image.js';
import { createDockerTarget } from '../../targets/docker/docker-target.js';
import { createEngine } from '../../engine/engine.js';
import { createEngineLockStore } from '../../targets/docker/engine-lock.js';
import { LABEL } from '../../engine/labels.js';
import type { TargetContext } from '../../targets/types.js';
import { buildFixturePlan, FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';
import { checkEngine, ensureImages } from './engine-support.js';

const engineHere = await checkEngine();
const docker = createEngine();
const project = `pdt${Date.now().toString(36)}`;
const image = (v: string) => `prodctl-e2e/app:${v}`;

describe.skipIf(!engineHere)('docker target: rolling deploys on the real engine', () => {
  let ctx: TargetContext;
  let httpPort: number;
  const target = engineHere ? createDockerTarget() : (undefined as never);

  const fetchVersion = async () => ((await (await fetch(`http://127.0.0.1:${httpPort}/`)).json()) as { version: string }).version;

  beforeAll(async () => {
    await ensureImages({ runtime: false });
    const appDir = path.join(FIXTURE_DIR, 'app');
    for (const [v, broken] of [['v1', '0'], ['v2', '0']]) {
      await buildImage(docker, { contextDir: appDir, dockerfile: 'Dockerfile', tags: [image(v)], buildArgs: { APP_VERSION: v, BROKEN: broken } });
    }
    httpPort = await getFreePort();
    const plan = buildFixturePlan({ project, httpPort, adminPort: await getFreePort(), appImage: image('v1'), deployTimeout: '20s' });
    ctx = { plan, renderedDir: path.join(FIXTURE_DIR, 'rendered'), stateDir: makeTempDir('prodctl-docker-'), log: createLogger({ quiet: true }), yes: true };
  }, 900_000);

  afterAll(async () => {
    if (ctx) await target.down(ctx, { volumes: true });
  });

  it('deploys the stack from nothing to all-healthy, then a second deploy is a no-op', async () => {
    const t0 = Date.now();
    const first = await target.deploy(ctx, { version: 'v1' });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`MEASURED from-nothing deploy: ${seconds.toFixed(1)} s`);
    expect(first.outcome).toBe('applied');
    const status = await target.status(ctx);
    for (const s of status.services) {
      expect(s.replicas.filter((r) => r.state === 'running').length, s.name).toBe(s.desired);
      expect(s.replicas.every((r) => r.healthy === true), s.name).toBe(true);
    }
    expect(await fetchVersion()).toBe('v1');
    const again = await target.deploy(ctx, { version: 'v1' });
    expect(again.outcome).toBe('noop');
    expect(again.changes).toEqual([]);
  }, 180_000);

  // Under load (0 failed requests) and the never-healthy build rolled back: real-plan-deploy.test.ts,
  // on the real small plan. Here only the roll itself, so the lock and rollback have a v2 to leave.
  it('rolls the API to a new version', async () => {
    const r = await target.deploy(ctx, { version: 'v2', build: image('v2') });
    expect(r.outcome).toBe('applied');
    expect(await fetchVersion()).toBe('v2');
    const api = await docker.listContainers({ filters: { label: [`${LABEL.project}=${project}`, `${LABEL.service}=api`] } });
    expect(api.map((c) => c.Labels[LABEL.version]).sort()).toEqual(['v2', 'v2']);
  }, 180_000);

  it('refuses a concurrent deploy naming the lock holder, and rolls back to the previous release', async () => {
    const store = createEngineLockStore(docker, project, async () => image('v1'));
    const holder = { ...describeSelf('deploy'), holder: 'alice' };
    const release = await acquireLock(store, holder);
    try {
      await expect(target.deploy(ctx, { version: 'v1', build: image('v1') })).rejects.toThrow(/held by alice@/);
    } finally {
      await release();
    }
    const previous = findPreviousGood(readReleases(ctx.stateDir));
    expect(previous?.version).toBe('v1');
    const r = await target.rollback!(ctx, { version: previous!.version, build: previous!.image });
    expect(r.outcome).toBe('applied');
    expect(await fetchVersion()).toBe('v1');
    const audit = readAudit(ctx.stateDir).map((a) => `${a.command}:${a.outcome}`);
    expect(audit).toEqual(['deploy:ok', 'deploy:noop', 'deploy:ok', 'deploy:refused', 'rollback:ok']);
    expect(readReleases(ctx.stateDir).at(-1)).toMatchObject({ kind: 'rollback', version: 'v1', outcome: 'applied' });
  }, 180_000);

  it('scales the API health-gated and every container matches the rendered limits and hardening', async () => {
    const r = await target.scale(ctx, { api: 3 });
    expect(r.outcome).toBe('applied');
    expect(await fetchVersion()).toBe('v1');
    const containers = await docker.listContainers({ filters: { label: [`${LABEL.project}=${project}`] } });
    expect(containers.filter((c) => c.Labels[LABEL.service] === 'api')).toHaveLength(3);
    for (const c of containers) {
      const s = ctx.plan.services.find((x) => x.name === c.Labels[LABEL.service])!;
      const info = await docker.getContainer(c.Id).inspect();
      expect(info.HostConfig.Memory, s.name).toBe(s.resources.memoryBytes);
      expect(info.HostConfig.NanoCpus, s.name).toBe(s.resources.cpus * 1e9);
      expect(info.HostConfig.PidsLimit, s.name).toBe(s.resources.pids);
      expect(info.Config.User, s.name).toBe(s.user);
      expect(info.HostConfig.ReadonlyRootfs, s.name).toBe(true);
      expect(info.HostConfig.CapDrop, s.name).toEqual(['ALL']);
      expect(info.HostConfig.CapAdd ?? [], s.name).toEqual([]);
      expect(info.HostConfig.SecurityOpt, s.name).toEqual(['no-new-privileges:true']);
      expect(info.HostConfig.Privileged, s.name).toBe(false);
      const secret = info.Mounts.find((m) => m.Destination === '/run/secrets/api_key_pepper');
      if (s.secrets.length > 0) expect(secret?.RW, s.name).toBe(false);
    }
    expect(fs.existsSync(path.join(ctx.stateDir, 'releases.json'))).toBe(true);
  }, 180_000);
});
