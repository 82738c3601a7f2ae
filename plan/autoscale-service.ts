// The worker autoscaler as a service of the stack: one replica of `prodctl autoscale run`, with
// its health and metrics on autoscale.metrics_port. Planned only where a target runs it: the
// native supervisor. The engine targets would have to hand the controller the engine socket,
// which no container of the stack gets, so there it is left out (docs/autoscale.md).
import type { Profile } from '../profile/schema.js';
import { RUNTIME_USER } from './app-services.js';
import { httpHealthcheck, wgetTest, type ServiceDraft } from './harden.js';

export const AUTOSCALER_HEALTH_PATH = '/healthz';

/** [] when the autoscaler is off or the target does not run it as a service. */
export function planAutoscaler(p: Profile): ServiceDraft[] {
  const a = p.autoscale;
  if (!a?.enabled || a.service === false || p.target !== 'native') return [];
  return [
    {
      name: 'autoscaler',
      role: 'control',
      image: p.images.api,
      command: ['prodctl', 'autoscale', 'run'],
      user: RUNTIME_USER,
      resources: { cpus: 0.25, memory: '128M', pids: 64 },
      replicas: 1,
      ports: [{ name: 'metrics', port: a.metrics_port }],
      healthcheck: httpHealthcheck(wgetTest(a.metrics_port, AUTOSCALER_HEALTH_PATH), AUTOSCALER_HEALTH_PATH, a.metrics_port, 10),
      dependsOn: ['redis', 'worker'],
    },
  ];
}

/** Why a target leaves the autoscaler out of its stack, or null when it runs it. */
export function autoscalerOmittedReason(p: Profile, target: string = p.target): string | null {
  if (!p.autoscale?.enabled || p.autoscale.service === false || target === 'native') return null;
  return `autoscale.enabled, but the ${target} target does not run the autoscaler as a service yet (it would need the engine socket): run \`prodctl autoscale run\` next to the stack (docs/autoscale.md)`;
}
