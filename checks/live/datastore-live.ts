// Live checks on Redis and Postgres: the settings actually applied, and the connections and jobs
// as they are right now.
import { ENV } from '../../contract/env.js';
import { roleOf } from '../service-view.js';
import { fail, pass, warn, type LiveCheck } from '../types.js';
import { describeDisagreement, findJobDisagreements } from './job-disagreements.js';
import { appEnv, at, probing, queueName } from './live-helpers.js';

export const datastoreLiveChecks: LiveCheck[] = [
  {
    id: 'REL-101', title: 'Redis runs with maxmemory-policy noeviction', category: 'reliability', severity: 'critical', scope: 'live', section: 'services',
    rationale: 'The file can say noeviction while the server runs something else (CONFIG SET, an old config); evicted BullMQ keys are lost jobs.',
    remediation: 'Run `CONFIG SET maxmemory-policy noeviction` now and restart Redis with the rendered redis.conf.',
    references: ['BullMQ docs: Going to production (maxmemory-policy)'],
    run: (i) =>
      probing(at(i.probes.endpoints.redis, 'redis'), async () => {
        const c = await i.probes.redisConfig(['maxmemory-policy']);
        const ev = `${at(i.probes.endpoints.redis, 'redis')} CONFIG GET maxmemory-policy = ${c['maxmemory-policy']}`;
        return c['maxmemory-policy'] === 'noeviction' ? pass(ev) : fail(ev);
      }),
  },
  {
    id: 'DATA-101', title: 'Redis runs with AOF on', category: 'data-safety', severity: 'high', scope: 'live', section: 'services',
    rationale: 'Only the running value counts: with appendonly off, a restart loses the jobs added since the last RDB snapshot.',
    remediation: 'Run `CONFIG SET appendonly yes` and restart Redis with the rendered redis.conf.',
    references: ['Redis docs: Persistence'],
    run: (i) =>
      probing(at(i.probes.endpoints.redis, 'redis'), async () => {
        const c = await i.probes.redisConfig(['appendonly', 'appendfsync']);
        const ev = `${at(i.probes.endpoints.redis, 'redis')} CONFIG GET appendonly = ${c.appendonly}, appendfsync = ${c.appendfsync}`;
        return c.appendonly === 'yes' && c.appendfsync !== 'no' ? pass(ev) : fail(ev);
      }),
  },
  {
    id: 'REL-102', title: 'Postgres max_connections covers the pools and open connections', category: 'reliability', severity: 'high', scope: 'live', section: 'services',
    rationale: 'The running server may have a smaller max_connections than rendered, or be close to it already.',
    remediation: 'Restart Postgres with the rendered postgresql.conf; find who holds connections in pg_stat_activity.',
    references: ['node-postgres docs: Pooling', 'PostgreSQL docs: pg_stat_activity'],
    run: (i) =>
      probing(at(i.probes.endpoints.postgres, 'postgres'), async () => {
        const [{ max_connections }] = await i.probes.pgQuery<{ max_connections: string }>('SHOW max_connections');
        const [{ n }] = await i.probes.pgQuery<{ n: string }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend'");
        const max = Number(max_connections);
        const apps = i.parsed.services.filter((s) => ['api', 'worker'].includes(roleOf(s.name)));
        const pools = apps.reduce((sum, s) => sum + s.replicas * Number(s.environment[ENV.pgPoolMax] ?? 0), 0);
        const reserve = i.plan.profile.postgres.reserved_connections;
        const ev = `${at(i.probes.endpoints.postgres, 'postgres')} SHOW max_connections = ${max}; pools ${pools} + reserve ${reserve} = ${pools + reserve}; open client connections ${n}`;
        if (pools + reserve > max || Number(n) >= max * 0.9) return fail(ev);
        return Number(n) >= max * 0.75 ? warn(ev) : pass(ev);
      }),
  },
  {
    id: 'REL-104', title: 'No job stuck: active past its timeout, or unfinished in Postgres but lost by the queue', category: 'reliability', severity: 'high', scope: 'live', section: 'services',
    rationale: 'A job active past its timeout means a hung worker or a lost lock. A job Postgres still shows queued or active that the queue no longer carries will never finish by itself, and its client polls "queued" for ever; the worker\'s reconciler should have queued it again.',
    remediation: 'Look at the worker logs for the job ids; restart the stuck worker. For jobs missing from the queue, check that the workers run (their reconciler repairs them) and read the JobsReconciled runbook.',
    references: ['BullMQ docs: Stalled jobs', 'docs/runbooks.md#jobsreconciled'],
    run: (i) =>
      probing(at(i.probes.endpoints.postgres, 'postgres'), async () => {
        const timeoutMs = Number(appEnv(i, 'worker', ENV.jobTimeoutMs) ?? 0) || 120_000;
        const rows = await i.probes.pgQuery<{ id: string; secs: number }>(
          "SELECT id::text, extract(epoch FROM now() - started_at)::int AS secs FROM jobs WHERE state = 'active' AND started_at < now() - make_interval(secs => $1::double precision) ORDER BY started_at LIMIT 5",
          [timeoutMs / 1000],
        );
        const lost = (await findJobDisagreements(i)).filter((d) => d.queueState === 'missing');
        const bad = [...rows.map((r) => `jobs table: job ${r.id} active for ${r.secs} s (timeout ${timeoutMs / 1000} s)`), ...lost.slice(0, 5).map(describeDisagreement)];
        if (lost.length > 5) bad.push(`… and ${lost.length - 5} more job(s) missing from the queue`);
        if (bad.length === 0) return pass(`jobs table: no job active longer than ${timeoutMs / 1000} s, none unfinished that the queue lost`);
        return fail(...bad);
      }),
  },
  {
    id: 'REL-105', title: 'Failed-job ratio over the last hour, and no job finished in the queue only', category: 'reliability', severity: 'medium', scope: 'live', section: 'services',
    rationale: 'A rising failure ratio is a bad release or bad input flood before anyone files a ticket. A job the queue failed or completed while Postgres still shows it unfinished is a failure or a result the jobs table does not count.',
    remediation: 'Read the `error` column of recent failed jobs and the worker logs; roll back if it started with a deploy. Jobs finished in the queue only are repaired by the workers\' reconciler: read the JobsReconciled runbook.',
    references: ['Production checklist: job failure rate < 2%', 'docs/runbooks.md#jobsreconciled'],
    run: (i) =>
      probing(at(i.probes.endpoints.postgres, 'postgres'), async () => {
        const [r] = await i.probes.pgQuery<{ failed: number; done: number }>(
          "SELECT count(*) FILTER (WHERE state = 'failed')::int AS failed, count(*)::int AS done FROM jobs WHERE state IN ('completed','failed') AND finished_at > now() - interval '1 hour'",
        );
        const hidden = (await findJobDisagreements(i)).filter((d) => d.queueState !== 'missing');
        if (hidden.length) return fail(...hidden.slice(0, 5).map(describeDisagreement), ...(hidden.length > 5 ? [`… and ${hidden.length - 5} more finished in the queue only`] : []));
        if (r.done === 0) return pass('jobs table: no job finished in the last hour');
        const ratio = r.failed / r.done;
        const ev = `jobs table: ${r.failed} failed of ${r.done} finished in the last hour (${(ratio * 100).toFixed(1)}%)`;
        return ratio <= 0.02 ? pass(ev) : ratio <= 0.1 ? warn(ev) : fail(ev);
      }),
  },
  {
    id: 'REL-106', title: 'Workers are consuming the queue', category: 'reliability', severity: 'critical', scope: 'live', section: 'services',
    rationale: 'With no worker connected, uploads are accepted and jobs wait forever.',
    remediation: 'Start the workers (`prodctl scale worker=N` or `prodctl up`) and read their logs for the crash.',
    references: ['BullMQ docs: Queue.getWorkers'],
    run: (i) =>
      probing(at(i.probes.endpoints.redis, 'redis'), async () => {
        const q = queueName(i);
        const n = await i.probes.queueWorkers(q);
        const ev = `${at(i.probes.endpoints.redis, 'redis')} CLIENT LIST: ${n} BullMQ worker connection(s) on queue ${q}`;
        return n > 0 ? pass(ev) : fail(ev);
      }),
  },
];
