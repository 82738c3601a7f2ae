// PLACEHOLDER until the Docker target lands.
import { TargetError } from '../../lib/errors.js';
import type { Target } from '../types.js';

export async function engineAnswers(): Promise<boolean> {
  return false;
}

export function createDockerTarget(_kind: 'docker' | 'swarm'): Target {
  throw new TargetError('the Docker target is not available in this build', 'use --target native');
}
