// PLACEHOLDER until the renderers land.
import type { StackPlan } from '../plan/types.js';
import type { RenderedFile } from './types.js';

export function renderAll(_plan: StackPlan): RenderedFile[] {
  return [];
}
