// The profile's `autoscale:` block as the decision function's settings (durations in ms).
import { parseDuration } from '../profile/units.js';
import type { Profile } from '../profile/schema.js';
import type { AutoscaleSettings } from './autoscale-decision.js';

export interface AutoscaleConfig extends AutoscaleSettings {
  pollIntervalMs: number;
  metricsPort: number;
}

/** null when the profile leaves the autoscaler off. */
export function autoscaleConfigOf(p: Profile): AutoscaleConfig | null {
  const a = p.autoscale;
  if (!a?.enabled) return null;
  return {
    min: a.min,
    max: a.max,
    targetJobsPerWorker: a.target_jobs_per_worker,
    maxWaitMs: parseDuration(a.max_wait),
    stepUp: a.step_up,
    scaleUpWindowMs: parseDuration(a.scale_up_window),
    scaleDownWindowMs: parseDuration(a.scale_down_window),
    pollIntervalMs: parseDuration(a.poll_interval),
    metricsPort: a.metrics_port,
  };
}
