// Picks the target: the profile's choice, overridden by --target; `docker` falls back to the
// embedded native target when no Docker engine answers, and says so. `swarm` drives the manager at DOCKER_HOST.
import { TargetError } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { StackPlan } from '../plan/types.js';
import type { Target } from './types.js';

/** Why `target: swarm` is refused, and what to do instead (one place, for the CLI and the docs test). */
export function refuseSwarm(): TargetError {
  return new TargetError(
    'target swarm is not implemented: prodctl does not create swarm services, configs and secrets yet (a `docker stack deploy` through the Engine API)',
    'deploy to one engine with `--target docker`, or run `prodctl render` and `docker stack deploy -c <out>/compose.yaml <project>` yourself (the rendered swarm compose uses endpoint_mode: dnsrr)',
  );
}

export async function selectTarget(plan: StackPlan, log: Logger, override?: string): Promise<Target> {
  const kind = override ?? plan.target;
  if (kind === 'native') return (await import('./native/native-target.js')).createNativeTarget();
  if (kind === 'swarm') return (await import('./swarm/swarm-target.js')).createSwarmTarget();
  const docker = await import('./docker/docker-target.js');
  if (await docker.engineAnswers()) return docker.createDockerTarget('docker');
  if (override) throw new TargetError('no Docker engine answers at DOCKER_HOST or /var/run/docker.sock', 'start dockerd, set DOCKER_HOST, or use --target native');
  log.warn('no Docker engine answers; using the native target (supervised local processes)');
  return (await import('./native/native-target.js')).createNativeTarget();
}
