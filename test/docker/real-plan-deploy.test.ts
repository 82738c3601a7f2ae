// End to end on the real engine with the REAL plan: test/fixtures/docker/prodctl.yaml (small preset,
// HAProxy edge, offline images) → loadProfile → computePlan → renderAll → the docker target.
// Postgres and Redis run the rendered postgresql.conf / redis.conf, migrations run in a one-off
// container, the API sits behind HAProxy, workers take jobs, Prometheus and Alertmanager run.
// Then: a PDF through the edge, a rolling deploy under load, a build that never turns healthy,
// scale, releases and rollback. (Traefik and Grafana have no offline images: see docs/docker.md.)
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { getFreePort } from '../../lib/net.js';
import { MOUNT_PATHS, RENDER_PATHS } from '../../plan/file-paths.js';
import { readReleases } from '../../state/releases.js';
import { listServiceContainers } from '../../targets/docker/containers.js';
import { execText } from '../../engine/exec.js';
import { createDockerTarget } from '../../targets/docker/docker-target.js';
import { createEngine } from '../../engine/engine.js';
import { LABEL } from '../../engine/labels.js';
import type { TargetContext } from '../../targets/types.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';
import { checkEngine, ensureImages } from './engine-support.js';
import { buildRuntimeVariant, createApiKeyInApi, loadRealStack, REAL_PROFILE, runSplitJob, startOpenWrk } from './real-stack-support.js';

const engineHere = await checkEngine();
const docker = createEngine();
const project = `prp${Date.now().toString(36)}`;
const V1 = 'prodctl-local/runtime:test';
const V2 = `prodctl-e2e/runtime:${project}-v2`;
const BROKEN = `prodctl-e2e/runtime:${project}-broken`;
const BIN = path.resolve(FIXTURE_DIR, '../../../bin/prodctl.js');

describe.skipIf(!engineHere)('docker target: the real small plan deployed end to end', () => {
  let ctx: TargetContext;
  let base: string;
  let httpPort: number;
  let key: string;
  let sets: string[];
  const target = engineHere ? createDockerTarget() : (undefined as never);
  const cli = (...args: string[]) =>
    execa('node', [BIN, ...args, '-f', REAL_PROFILE, '--state-dir', ctx.stateDir, ...sets.flatMap((x) => ['--set', x])], { reject: false, env: { NO_COLOR: '1' } });
  const running = async (service: string) => (await listServiceContainers(docker, project, service)).filter((c) => c.State === 'running');

  beforeAll(async () => {
    await ensureImages({ runtime: true });
    await buildRuntimeVariant(docker, V2, false);
    await buildRuntimeVariant(docker, BROKEN, true);
    httpPort = await getFreePort();
    sets = [`project.name=${project}`, `edge.http_port=${httpPort}`, `edge.https_port=${await getFreePort()}`, 'edge.bind=127.0.0.1'];
    const stateDir = makeTempDir('prodctl-real-plan-');
    const renderedDir = path.join(stateDir, 'rendered');
    ctx = { plan: await loadRealStack(renderedDir, sets), renderedDir, stateDir, log: createLogger({ quiet: true }), yes: true };
    base = `http://127.0.0.1:${httpPort}`;
  }, 900_000);

  afterAll(async () => {
    if (ctx) await target.down(ctx, { volumes: true });
    // The engine may still hold a just-removed container's reference for a moment: retry, then say so.
    for (const img of [V2, BROKEN]) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        const err = await docker.getImage(img).remove({ force: true }).then(() => null, (e: { statusCode?: number; message: string }) => e);
        if (!err || err.statusCode === 404) break;
        if (attempt === 5) console.warn(`could not remove test image ${img}: ${err.message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }, 180_000);

  it('deploys from nothing to all-healthy: every planned service, migrations in a one-off container', async () => {
    const t0 = Date.now();
    const r = await target.deploy(ctx, { version: 'v1', build: V1 });
    console.log(`MEASURED real small plan from nothing (${ctx.plan.services.length} services): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.outcome).toBe('applied');
    expect(r.changes).toContain('migrations: applied');
    const status = await target.status(ctx);
    expect(status.services.map((s) => s.name).sort()).toEqual(
      ['alertmanager', 'api', 'blackbox-exporter', 'edge', 'node-exporter', 'postgres', 'postgres-exporter', 'prometheus', 'redis', 'redis-exporter', 'worker'],
    );
    for (const s of status.services) {
      expect(s.replicas.length, s.name).toBe(s.desired);
      expect(s.replicas.every((x) => x.state === 'running' && x.healthy === true), `${s.name} healthy`).toBe(true);
    }
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // Uptime from outside: the blackbox exporter probes the edge's /readyz across the engine's network.
    const prom = (await running('prometheus'))[0];
    const query = `http://127.0.0.1:${ctx.plan.profile.monitoring.prometheus_port}/api/v1/query?query=probe_success`;
    let answer = '';
    for (const deadline = Date.now() + 120_000; Date.now() < deadline && !/"job":"probe_readyz".*"value":\[[\d.]+,"1"\]/.test(answer); ) {
      answer = (await execText(docker, prom.Id, ['wget', '-qO-', query])).stdout;
      await new Promise((r) => setTimeout(r, 2_000));
    }
    expect(answer).toMatch(/"job":"probe_readyz".*"value":\[[\d.]+,"1"\]/);
  }, 300_000);

  it('docker inspect of every container matches the planned limits, user, read-only root and capabilities', async () => {
    const all = await listServiceContainers(docker, project);
    expect(all.length).toBe(ctx.plan.services.reduce((n, s) => n + s.replicas, 0));
    for (const c of all) {
      const s = ctx.plan.services.find((x) => x.name === c.Labels[LABEL.service])!;
      const info = await docker.getContainer(c.Id).inspect();
      expect(
        [info.HostConfig.Memory, info.HostConfig.NanoCpus, info.HostConfig.PidsLimit, info.Config.User, info.HostConfig.ReadonlyRootfs, info.HostConfig.CapDrop, info.HostConfig.CapAdd ?? [], info.HostConfig.SecurityOpt, info.HostConfig.Privileged],
        s.name,
      ).toEqual([s.resources.memoryBytes, Math.round(s.resources.cpus * 1e9), s.resources.pids, s.user, s.readOnlyRootfs, s.capDrop, s.capAdd, s.securityOpt, false]);
      // Only the edge publishes, and its runtime API only on loopback.
      const published = Object.values(info.HostConfig.PortBindings ?? {}).flat();
      if (s.role !== 'edge') expect(published, s.name).toEqual([]);
      else expect(published.map((b) => b.HostIp).sort()).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    }
  }, 60_000);

  it('postgres and redis run the rendered postgresql.conf and redis.conf', async () => {
    const pg = ctx.plan.profile.postgres;
    const [postgres] = await running('postgres');
    // The superuser: config_file is visible to superusers only (the service role is none).
    const psql = `PGPASSWORD="$(cat /run/secrets/${pg.superuser_password_secret})" psql -h 127.0.0.1 -U postgres -d ${pg.database} -Atc`;
    const show = async (setting: string) => (await execText(docker, postgres.Id, ['sh', '-c', `${psql} 'SHOW ${setting}'`])).stdout.trim();
    expect(await show('config_file')).toBe(MOUNT_PATHS.postgresConf);
    const rendered = fs.readFileSync(path.join(ctx.renderedDir, RENDER_PATHS.postgresConf), 'utf8');
    const renderedValue = (k: string) => /^(\S+)\s*=\s*'?([^'\n#]*)'?/m.exec(rendered.split('\n').find((l) => l.startsWith(`${k} `) || l.startsWith(`${k}=`)) ?? '')?.[2].trim();
    expect(await show('max_connections')).toBe(renderedValue('max_connections'));
    expect(await show('password_encryption')).toBe('scram-sha-256');
    const [redis] = await running('redis');
    const cli = async (...args: string[]) => (await execText(docker, redis.Id, ['sh', '-c', `redis-cli --no-auth-warning -a "$(cat /run/secrets/${ctx.plan.profile.redis.password_secret})" ${args.join(' ')}`])).stdout.trim();
    expect(await cli('INFO', 'server')).toContain(`config_file:${MOUNT_PATHS.redisConf}`);
    expect(await cli('CONFIG', 'GET', 'maxmemory-policy')).toContain('noeviction');
    expect(await cli('CONFIG', 'GET', 'appendonly')).toContain('yes');
  }, 60_000);

  it('a second `prodctl deploy` of the same plan is a no-op and says so', async () => {
    const t0 = Date.now();
    const r = await cli('deploy', '--version', 'v1', '--build', V1);
    console.log(`MEASURED real small plan no-op deploy (prodctl deploy, whole process): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.stdout).toBe('nothing to deploy: the running stack already matches the plan');
    expect(r.exitCode).toBe(0);
  }, 120_000);

  it('uploads a PDF through the HAProxy edge, a worker runs the job, the result downloads', async () => {
    key = await createApiKeyInApi(docker, project);
    expect(key).toMatch(/^pdk_/);
    const job = await runSplitJob(base, key);
    expect(job.state).toBe('completed');
    const outputs = job.outputs.filter((o) => o.id !== job.fileId);
    expect(outputs.length).toBe(2);
    for (const o of outputs) expect(o.head).toBe('%PDF-');
  }, 120_000);

  it('rolls the API and workers to a new build under load through the edge: 0 failed requests', async () => {
    const load = startOpenWrk(httpPort, '/livez', 240);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    const r = await target.deploy(ctx, { version: 'v2', build: V2 });
    const rollS = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const w = await load.stop();
    console.log(`MEASURED real plan rolling deploy v1→v2 in ${rollS.toFixed(1)} s: ${w.requests} requests, ${w.non2xx} non-2xx, ${w.socketErrors} socket errors, ${w.ratePerSecond.toFixed(0)} req/s (${w.latency})`);
    expect(r.outcome).toBe('applied');
    expect(w.non2xx + w.socketErrors).toBe(0);
    expect(w.ratePerSecond).toBeGreaterThanOrEqual(200);
    for (const s of ['api', 'worker']) {
      const cs = await running(s);
      expect(cs.length, s).toBe(ctx.plan.services.find((x) => x.name === s)!.replicas);
      for (const c of cs) expect(c.Image, s).toBe(V2);
    }
    expect((await runSplitJob(base, key)).state).toBe('completed');
  }, 300_000);

  it('`prodctl deploy` of a build whose health check never passes rolls back by itself, exits 1 and says why; v2 keeps serving with 0 failed requests', async () => {
    const load = startOpenWrk(httpPort, '/livez', 240);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    const r = await cli('deploy', '--version', 'broken', '--build', BROKEN, '--set', 'deploy.timeout=20s');
    const failS = (Date.now() - t0) / 1000;
    await new Promise((res) => setTimeout(res, 1000));
    const w = await load.stop();
    console.log(`MEASURED real plan never-healthy build rolled back (prodctl deploy, whole process) in ${failS.toFixed(1)} s: ${w.requests} requests, ${w.non2xx} non-2xx, ${w.socketErrors} socket errors, ${w.ratePerSecond.toFixed(0)} req/s`);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: deploy of broken failed and was rolled back: container \S+-api-\S+ did not turn healthy within 20s \(last status: (starting|unhealthy)\) — the previous release keeps serving/m);
    expect(r.stderr).toMatch(/^ {2}\| health check \(exit 1\)/m);
    expect(w.non2xx + w.socketErrors).toBe(0);
    for (const c of await running('api')) expect(c.Image).toBe(V2);
    expect((await listServiceContainers(docker, project, 'api', true)).some((c) => c.Image === BROKEN)).toBe(false);
    expect(readReleases(ctx.stateDir).at(-1)).toMatchObject({ version: 'broken', outcome: 'rolled-back' });
  }, 300_000);

  it('prodctl scale workers=3 keeps the running version; prodctl releases lists every deploy; prodctl rollback returns to v1', async () => {
    const scaled = await cli('scale', 'workers=3');
    expect([scaled.exitCode, scaled.stdout]).toEqual([0, 'scaled: worker: started 1, stopped 0']);
    const workers = await running('worker');
    expect(workers.length).toBe(3);
    for (const c of workers) expect([c.Image, c.Labels[LABEL.version]]).toEqual([V2, 'v2']);
    const listed = JSON.parse((await cli('releases', '--json')).stdout) as { version: string; kind: string; outcome: string }[];
    expect(listed.map((x) => [x.version, x.kind, x.outcome])).toEqual([
      ['v2', 'scale', 'applied'],
      ['broken', 'deploy', 'rolled-back'],
      ['v2', 'deploy', 'applied'],
      ['v1', 'deploy', 'applied'],
    ]);
    const t0 = Date.now();
    const rb = await cli('rollback');
    console.log(`MEASURED real plan rollback v2→v1 (prodctl rollback, whole process): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(rb.exitCode, rb.stderr).toBe(0);
    expect(rb.stdout).toMatch(/^rolled back to v1 \(release \S+-v1\) in [\d.]+s$/);
    for (const s of ['api', 'worker']) for (const c of await running(s)) expect(c.Image, s).toBe(V1);
    expect((await running('worker')).length).toBe(3);
    expect(readReleases(ctx.stateDir).at(-1)).toMatchObject({ version: 'v1', kind: 'rollback', outcome: 'applied' });
    expect((await runSplitJob(base, key)).state).toBe('completed');
  }, 300_000);
});
