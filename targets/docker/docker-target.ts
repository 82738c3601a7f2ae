// The Docker target: one engine adapter on dockerode. deploy = lock → apply the plan
// (health-gated, rolled) → record the release → audit; on failure, the roll has already put
// the old replicas back, and the release is recorded as rolled back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { TargetError } from '../../lib/errors.js';
import { appendAudit, describeActor } from '../../state/audit.js';
import { acquireLock, describeSelf } from '../../state/lock.js';
import { findLastGood, makeReleaseId, readReleases, recordRelease, type ReleaseRecord } from '../../state/releases.js';
import type { DeployOptions, DeployResult, ImageBuildOptions, ImageBuildResult, StackStatus, Target, TargetContext } from '../types.js';
import { buildImage } from './build-image.js';
import { applyStack, findEdgeAdmin, type ApplyInput, type ApplyResult } from './apply-stack.js';
import { demuxLogs, listServiceContainers, stopAndRemove } from './containers.js';
import { createEngine, pingEngine } from '../../engine/engine.js';
import { createEngineLockStore } from './engine-lock.js';
import { LABEL } from '../../engine/labels.js';
import { pruneImages } from './prune-images.js';
import { assertEdgeTlsSupported } from '../edge-tls-support.js';
import { assertServiceRole } from '../service-role.js';

export async function engineAnswers(): Promise<boolean> {
  try {
    return await pingEngine(createEngine());
  } catch {
    return false;
  }
}

export function createDockerTarget(): Target {
  const docker = createEngine();
  return {
    kind: 'docker',
    up: (ctx) => deployWithLock(docker, ctx, {}, 'up'),
    deploy: (ctx, opts) => deployWithLock(docker, ctx, opts, 'deploy'),
    status: (ctx) => readStatus(docker, ctx),
    scale: (ctx, counts) => {
      writeScale(ctx.stateDir, { ...readScale(ctx.stateDir), ...counts });
      // Scaling keeps the version that runs now, not the one the profile names.
      const current = findLastGood(readReleases(ctx.stateDir));
      return deployWithLock(docker, ctx, current ? { version: current.version, build: current.image } : {}, 'scale');
    },
    down: (ctx, opts) => takeDown(docker, ctx, opts.volumes),
    logs: (ctx, service, opts) => printLogs(docker, ctx, service, opts),
    rollback: (ctx, opts) => deployWithLock(docker, ctx, opts, 'rollback'),
    lockStore: (ctx) => openEngineLock(docker, ctx.plan),
    build: (ctx, opts) => buildOnEngine(docker, ctx, opts),
    edgeAdmin: async (plan) => {
      const edge = plan.services.find((s) => s.role === 'edge');
      const endpoint = edge ? await findEdgeAdmin(docker, plan.project, edge) : undefined;
      if (!endpoint) throw new TargetError(`no running edge container for project ${plan.project}`, 'bring the stack up first (`prodctl up`), or pass --edge-admin host:port');
      return endpoint;
    },
  };
}

/** The deploy lock of a stack on the engine host: a container made from the app image. */
export function openEngineLock(docker: Docker, plan: TargetContext['plan']) {
  return createEngineLockStore(docker, plan.project, async () => plan.services.find((s) => s.name === 'api')?.image ?? '');
}

/** `prodctl build`: the runtime image, built on the engine that runs it (no registry). */
async function buildOnEngine(docker: Docker, ctx: Pick<TargetContext, 'log'>, o: ImageBuildOptions): Promise<ImageBuildResult> {
  const imageId = await buildImage(docker, {
    contextDir: o.contextDir,
    dockerfile: o.dockerfile,
    tags: [o.tag],
    include: o.include,
    buildArgs: o.buildArgs,
    labels: { [LABEL.version]: o.version },
    onLine: (l) => ctx.log.debug(l),
  });
  return { image: o.tag, imageId };
}

function scaleFile(stateDir: string): string {
  return path.join(stateDir, 'docker', 'scale.json');
}
export function readScale(stateDir: string): Record<string, number> {
  return fs.existsSync(scaleFile(stateDir)) ? (JSON.parse(fs.readFileSync(scaleFile(stateDir), 'utf8')) as Record<string, number>) : {};
}
export function writeScale(stateDir: string, counts: Record<string, number>): void {
  fs.mkdirSync(path.dirname(scaleFile(stateDir)), { recursive: true });
  fs.writeFileSync(scaleFile(stateDir), JSON.stringify(counts));
}

/** The version of a deploy: --version, else the app image's tag. */
export function resolveVersion(opts: DeployOptions, image: string): string {
  if (opts.version) return opts.version;
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : 'latest';
  return tag.includes('/') ? 'latest' : tag;
}

/** How a target applies a plan under the lock (the docker target's, or Swarm's); prune: old images on the engine. */
export interface ApplyStep {
  apply: (a: ApplyInput) => Promise<ApplyResult>;
  pruneImages: boolean;
}

export async function deployWithLock(
  docker: Docker,
  ctx: TargetContext,
  opts: DeployOptions,
  command: 'up' | 'deploy' | 'scale' | 'rollback',
  step: ApplyStep = { apply: applyStack, pruneImages: true },
): Promise<DeployResult> {
  assertServiceRole(ctx.plan);
  assertEdgeTlsSupported(ctx.plan);
  const started = Date.now();
  const api = ctx.plan.services.find((s) => s.name === 'api');
  const appImage = opts.build ?? api?.image ?? ctx.plan.services[0]?.image ?? '';
  const lockStore = createEngineLockStore(docker, ctx.plan.project, async () => appImage);
  let release: () => Promise<void>;
  try {
    release = await acquireLock(lockStore, describeSelf(command), { waitMs: opts.lockWait, onStale: (i) => ctx.log.warn(`taking over a stale deploy lock of ${i.holder}@${i.host} (pid ${i.pid} is gone)`) });
  } catch (err) {
    appendAudit(ctx.stateDir, { command, args: [opts.version ?? ''], outcome: 'refused', durationMs: Date.now() - started, detail: (err as Error).message });
    throw err;
  }
  try {
    return await deployLocked(docker, ctx, opts, command, appImage, started, step);
  } finally {
    await release();
  }
}

async function deployLocked(docker: Docker, ctx: TargetContext, opts: DeployOptions, command: string, appImage: string, started: number, step: ApplyStep): Promise<DeployResult> {
  const version = resolveVersion(opts, appImage);
  const now = new Date();
  const releaseId = makeReleaseId(now, version);
  const images: Record<string, string> = opts.build ? { api: opts.build, worker: opts.build } : {};
  const imageId = appImage ? ((await docker.getImage(appImage).inspect().catch(() => null))?.Id ?? '') : '';
  const record = (outcome: ReleaseRecord['outcome'], planHash: string, reason?: string) =>
    recordRelease(ctx.stateDir, {
      id: releaseId, version, image: appImage, imageId, planHash, who: describeActor(), host: os.hostname(), startedAt: now.toISOString(),
      durationMs: Date.now() - started, outcome, kind: command === 'rollback' ? 'rollback' : command === 'scale' ? 'scale' : 'deploy', reason,
    });
  const releaseLabels = { [LABEL.version]: version, [LABEL.release]: releaseId, [LABEL.deployedBy]: describeActor(), [LABEL.deployedAt]: now.toISOString() };
  try {
    const r = await step.apply({ docker, plan: ctx.plan, renderedDir: ctx.renderedDir, stateDir: ctx.stateDir, log: ctx.log, images, replicas: readScale(ctx.stateDir), releaseLabels: { ...releaseLabels } });
    const durationMs = Date.now() - started;
    if (r.changes.length === 0) {
      appendAudit(ctx.stateDir, { command, args: [version], outcome: 'noop', durationMs });
      return { outcome: 'noop', durationMs, changes: [] };
    }
    record('applied', r.planHash);
    appendAudit(ctx.stateDir, { command, args: [version], outcome: 'ok', durationMs, detail: releaseId });
    if (step.pruneImages) await pruneImages(docker, ctx.stateDir, ctx.plan.profile.deploy.keep_images, ctx.log);
    return { outcome: 'applied', release: releaseId, durationMs, changes: r.changes };
  } catch (err) {
    const reason = (err as Error).message;
    record('rolled-back', '', reason);
    appendAudit(ctx.stateDir, { command, args: [version], outcome: 'failed', durationMs: Date.now() - started, detail: reason });
    if (err instanceof TargetError) throw new TargetError(`deploy of ${version} failed and was rolled back: ${reason}`, 'the previous release keeps serving; fix the cause and deploy again', err.logTail);
    throw err;
  }
}

async function readStatus(docker: Docker, ctx: TargetContext): Promise<StackStatus> {
  const all = await listServiceContainers(docker, ctx.plan.project, undefined, true);
  const scale = readScale(ctx.stateDir);
  return {
    target: 'docker',
    project: ctx.plan.project,
    release: all.find((c) => c.Labels[LABEL.service] === 'api')?.Labels[LABEL.release],
    services: ctx.plan.services.map((s) => ({
      name: s.name,
      desired: scale[s.name] ?? s.replicas,
      replicas: all
        .filter((c) => c.Labels[LABEL.service] === s.name)
        .map((c) => ({
          id: c.Names[0].slice(1),
          containerId: c.Id.slice(0, 12),
          state: c.State === 'running' ? (c.Status.includes('unhealthy') ? 'unhealthy' : c.Status.includes('starting') ? 'starting' : 'running') : 'stopped',
          healthy: c.Status.includes('(healthy)') ? true : c.Status.includes('unhealthy') ? false : null,
          restarts: 0,
          version: c.Labels[LABEL.version],
        })),
    })),
    urls: {},
  };
}

async function takeDown(docker: Docker, ctx: TargetContext, volumes: boolean): Promise<void> {
  const project = ctx.plan.project;
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABEL.project}=${project}`] } })) await stopAndRemove(docker, c.Id, 10);
  for (const n of await docker.listNetworks({ filters: { label: [`${LABEL.project}=${project}`] } })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  if (volumes) for (const v of (await docker.listVolumes({ filters: { label: [`${LABEL.project}=${project}`] } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
  appendAudit(ctx.stateDir, { command: 'down', args: volumes ? ['--volumes'] : [], outcome: 'ok', durationMs: 0 });
}

async function printLogs(docker: Docker, ctx: TargetContext, service: string, opts: { follow: boolean; since?: string; tail?: number }): Promise<void> {
  for (const c of await listServiceContainers(docker, ctx.plan.project, service)) {
    const buf = (await docker.getContainer(c.Id).logs({ stdout: true, stderr: true, tail: opts.tail ?? 100, follow: false })) as unknown as Buffer;
    for (const line of demuxLogs(buf).split('\n').filter(Boolean)) process.stdout.write(`${c.Names[0].slice(1)} | ${line}\n`);
  }
}
