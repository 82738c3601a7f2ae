// PLACEHOLDER until the native target lands.
import { TargetError } from '../../lib/errors.js';
import type { Target } from '../types.js';

export function createNativeTarget(): Target {
  throw new TargetError('the native target is not available in this build', 'use a build that includes it');
}
