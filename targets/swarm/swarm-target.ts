// The Swarm target: the plan as Swarm services on an existing swarm, driven through the manager's
// engine (DOCKER_HOST). Releases, the deploy lock and the audit log are the docker target's; the
// rolling update, its rollback and rescheduling are Swarm's own.
import type Docker from 'dockerode';
import { appendAudit } from '../../state/audit.js';
import { findLastGood, readReleases } from '../../state/releases.js';
import type { DeployOptions, DeployResult, Target, TargetContext } from '../types.js';
import { demuxLogs } from '../docker/containers.js';
import { deployWithLock, readScale, writeScale, type ApplyStep } from '../docker/docker-target.js';
import { createEngine } from '../../engine/engine.js';
import { LABEL } from '../../engine/labels.js';
import { applySwarm } from './apply-swarm.js';
import { distributeImages, openNodeEngines } from './node-engines.js';
import { swarmName } from './service-spec.js';
import { readSwarmStatus } from './swarm-status.js';
import { refuseLocalStorageOnManyNodes } from './swarm-rules.js';

/** The engine that holds locally built images: PRODCTL_IMAGE_SOURCE (DOCKER_HOST syntax), else this host's socket. */
export function createImageSource(env: NodeJS.ProcessEnv = process.env): Docker {
  return createEngine({ ...env, DOCKER_HOST: env.PRODCTL_IMAGE_SOURCE ?? 'unix:///var/run/docker.sock' });
}

export function createSwarmTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const manager = createEngine(env);
  const source = createImageSource(env);
  const step: ApplyStep = { apply: (a) => applySwarm({ ...a, source }), pruneImages: false };
  const run = async (ctx: TargetContext, opts: DeployOptions, command: 'up' | 'deploy' | 'scale' | 'rollback') => {
    refuseLocalStorageOnManyNodes(ctx.plan);
    // The deploy lock is a container on the manager, made from the app image: it must be there first.
    const app = opts.build ?? ctx.plan.services.find((s) => s.name === 'api')?.image;
    if (app) await distributeImages(source, await openNodeEngines(manager), [app], ctx.log, []);
    return deployWithLock(manager, ctx, opts, command, step);
  };
  return {
    kind: 'swarm',
    up: (ctx) => run(ctx, {}, 'up'),
    deploy: (ctx, opts) => run(ctx, opts, 'deploy'),
    status: (ctx) => readSwarmStatus(manager, ctx, readScale(ctx.stateDir)),
    scale: (ctx, counts) => {
      writeScale(ctx.stateDir, { ...readScale(ctx.stateDir), ...counts });
      const current = findLastGood(readReleases(ctx.stateDir));
      return run(ctx, current ? { version: current.version, build: current.image } : {}, 'scale');
    },
    down: (ctx, opts) => takeDown(manager, ctx, opts.volumes),
    logs: (ctx, service, opts) => printLogs(manager, ctx, service, opts.tail),
  };
}

/** `prodctl rollback` on Swarm: the earlier build deployed through the same locked path. */
export function rollbackSwarm(ctx: TargetContext, opts: DeployOptions): Promise<DeployResult> {
  return createSwarmTarget().deploy(ctx, opts);
}

async function takeDown(docker: Docker, ctx: TargetContext, volumes: boolean): Promise<void> {
  const filters = { label: [`${LABEL.project}=${ctx.plan.project}`] };
  for (const s of await docker.listServices({ filters })) await docker.getService(s.ID).remove().catch(() => undefined);
  // Tasks take a moment to stop; networks, secrets and configs in use cannot be removed before.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && (await docker.listTasks({ filters })).some((t: { Status?: { State?: string } }) => t.Status?.State === 'running')) {
    await new Promise((r) => setTimeout(r, 1000));
  }
  await new Promise((r) => setTimeout(r, 2000));
  for (const s of await docker.listSecrets({ filters })) await docker.getSecret(s.ID).remove().catch(() => undefined);
  for (const c of await docker.listConfigs({ filters })) await docker.getConfig(c.ID).remove().catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  if (volumes) {
    for (const n of await openNodeEngines(docker)) {
      for (const v of (await n.docker.listVolumes({ filters })).Volumes ?? []) await n.docker.getVolume(v.Name).remove().catch(() => undefined);
    }
  }
  appendAudit(ctx.stateDir, { command: 'down', args: volumes ? ['--volumes'] : [], outcome: 'ok', durationMs: 0 });
}

async function printLogs(docker: Docker, ctx: TargetContext, service: string, tail = 100): Promise<void> {
  const buf = (await docker.getService(swarmName(ctx.plan.project, service)).logs({ stdout: true, stderr: true, tail, follow: false, timestamps: false })) as unknown as Buffer;
  for (const line of demuxLogs(buf).split('\n').filter(Boolean)) process.stdout.write(`${service} | ${line}\n`);
}
