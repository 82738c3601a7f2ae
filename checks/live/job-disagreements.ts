// Jobs whose record in Postgres and entry in the queue disagree: unfinished in Postgres for longer
// than the worker's reconciler needs to notice, while the queue lost, failed or completed them.
import { ENV } from '../../contract/env.js';
import type { LiveInput } from '../types.js';
import { appEnv, queueName } from './live-helpers.js';
import type { QueueJobState } from './probes.js';

export interface JobDisagreement {
  id: string;
  pgState: 'queued' | 'active';
  queueState: Exclude<QueueJobState, 'carried'>;
  ageSeconds: number;
}

/** Jobs compared at most: the oldest unfinished ones, where a disagreement has had time to be repaired. */
const LIMIT = 1_000;

/** How old an unfinished job must be before a disagreement counts: two reconciler rounds past its grace age. */
export function settledAfterSeconds(i: LiveInput): number {
  const grace = Number(appEnv(i, 'worker', ENV.jobReconcileGraceMs) ?? '') || 60_000;
  const every = Number(appEnv(i, 'worker', ENV.jobReconcileIntervalMs) ?? '') || 30_000;
  return (grace + 2 * every) / 1000;
}

export async function findJobDisagreements(i: LiveInput): Promise<JobDisagreement[]> {
  const rows = await i.probes.pgQuery<{ id: string; state: 'queued' | 'active'; age: number }>(
    `SELECT id::text, state, extract(epoch FROM now() - coalesce(started_at, created_at))::int AS age FROM jobs
      WHERE state IN ('queued', 'active') AND coalesce(started_at, created_at) < now() - make_interval(secs => $1::double precision)
      ORDER BY created_at LIMIT ${LIMIT}`,
    [settledAfterSeconds(i)],
  );
  if (!rows.length) return [];
  const states = await i.probes.queueJobStates(queueName(i), rows.map((r) => r.id));
  const out: JobDisagreement[] = [];
  for (const r of rows) {
    const q = states.get(r.id) ?? 'missing';
    if (q !== 'carried') out.push({ id: r.id, pgState: r.state, queueState: q, ageSeconds: r.age });
  }
  return out;
}

export function describeDisagreement(d: JobDisagreement): string {
  const queue = d.queueState === 'missing' ? 'missing from the queue' : `${d.queueState} in the queue`;
  return `jobs table: job ${d.id} ${d.pgState} for ${d.ageSeconds} s, ${queue}`;
}
