// Monitoring files are only rendered when the profile enables monitoring: their validators skip then.
import type { StackPlan } from '../plan/types.js';
import type { ValidationResult } from './types.js';

export function monitoringOff(name: string, plan: StackPlan): ValidationResult | null {
  return plan.profile.monitoring.enabled ? null : { name, ok: true, skipped: 'monitoring is disabled in the profile', details: [] };
}
