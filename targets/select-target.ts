// Picks the target: the profile's choice, overridden by --target; `docker` falls back to the
// embedded native target when no Docker engine answers, and says so. `swarm` drives the manager at DOCKER_HOST.
import { TargetError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { StackPlan } from '../plan/types.js';
import type { Target } from './types.js';

export async function selectTarget(plan: StackPlan, log: Logger, override?: string): Promise<Target> {
  const kind = override ?? plan.target;
  if (kind === 'native') return (await import('./native/native-target.js')).createNativeTarget();
  if (kind === 'swarm') return openSwarmTarget();
  const docker = await import('./docker/docker-target.js');
  if (await docker.engineAnswers()) return docker.createDockerTarget();
  if (override) throw new TargetError('no Docker engine answers at DOCKER_HOST or /var/run/docker.sock', 'start dockerd, set DOCKER_HOST, or use --target native');
  log.warn('no Docker engine answers; using the native target (supervised local processes)');
  return (await import('./native/native-target.js')).createNativeTarget();
}

/** Swarm's rollback is a deploy of the earlier image; its lock is the docker target's, on the manager. */
async function openSwarmTarget(): Promise<Target> {
  const swarm = await import('./swarm/swarm-target.js');
  const { openEngineLock } = await import('./docker/docker-target.js');
  const { createEngine } = await import('../engine/engine.js');
  return { ...swarm.createSwarmTarget(), rollback: swarm.rollbackSwarm, lockStore: (ctx) => openEngineLock(createEngine(), ctx.plan) };
}

/** The target that builds runtime images: the Docker engine at DOCKER_HOST, whatever the profile runs on. */
export async function selectBuildTarget(): Promise<Target> {
  const docker = await import('./docker/docker-target.js');
  if (await docker.engineAnswers()) return docker.createDockerTarget();
  throw new TargetError('no Docker engine answers at DOCKER_HOST or /var/run/docker.sock', 'start dockerd or set DOCKER_HOST; the native target runs the runtime build folder itself (npm run build)');
}
