// Picks the target: the profile's choice, overridden by --target; `docker` falls back to the
// embedded native target when no Docker engine answers, and says so.
import type { Logger } from '../lib/log.js';
import type { StackPlan } from '../plan/types.js';
import type { Target } from './types.js';

export async function selectTarget(plan: StackPlan, log: Logger, override?: string): Promise<Target> {
  const kind = override ?? plan.target;
  if (kind === 'native') return (await import('./native/native-target.js')).createNativeTarget();
  const docker = await import('./docker/docker-target.js');
  if (await docker.engineAnswers()) return docker.createDockerTarget(kind === 'swarm' ? 'swarm' : 'docker');
  if (override) {
    const { TargetError } = await import('../lib/errors.js');
    throw new TargetError('no Docker engine answers at DOCKER_HOST or /var/run/docker.sock', 'start dockerd, set DOCKER_HOST, or use --target native');
  }
  log.warn('no Docker engine answers; using the native target (supervised local processes)');
  return (await import('./native/native-target.js')).createNativeTarget();
}
