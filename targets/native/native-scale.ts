// `scale` on the native target: the same reconcile as `up`, with replica counts overridden.
import { UsageError } from '../../lib/errors.js';
import type { DeployResult, TargetContext } from '../types.js';
import { nativeUp } from './native-up.js';

export async function nativeScale(ctx: TargetContext, counts: Record<string, number>): Promise<DeployResult> {
  const names = { api: 'api', worker: 'worker', workers: 'worker' } as const;
  const services = ctx.plan.services.map((s) => ({ ...s }));
  for (const [name, n] of Object.entries(counts)) {
    const svc = services.find((s) => s.name === names[name as keyof typeof names]);
    if (!svc || !Number.isInteger(n) || n < 1) throw new UsageError(`cannot scale '${name}' to ${n} on the native target`, 'scale api=N or workers=N with N ≥ 1');
    svc.replicas = n;
  }
  return nativeUp({ ...ctx, plan: { ...ctx.plan, services } });
}
