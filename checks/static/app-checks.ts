// The API and workers as rendered: the settings they receive in their environment (contract/env.ts
// names), replicas, limits and job handling.
import { ENV } from '../../contract/env.js';
import { formatBytes } from '../../lib/output.js';
import type { ServiceView } from '../service-view.js';
import { fail, judgeAll, pass, warn, type Finding, type StaticCheck, type StaticInput } from '../types.js';
import { envNumber, servicesOf, where } from './helpers.js';

/** Every service of `role` must have each env key > 0 (or match `ok`). */
function requireEnv(i: StaticInput, role: string, keys: string[], ok: (k: string, n: number, s: ServiceView) => boolean = (_k, n) => n > 0): Finding {
  const svcs = servicesOf(i, role);
  if (!svcs.length) return fail(`no ${role} service in ${i.parsed.servicesSource}`);
  const bad: string[] = [];
  for (const s of svcs) {
    for (const k of keys) {
      const n = envNumber(s, k);
      if (n === null || !ok(k, n, s)) bad.push(`${where(i, s)}: ${k} = ${s.environment[k] ?? 'unset'}`);
    }
  }
  return judgeAll(bad, `${svcs.map((s) => s.name).join(', ')}: ${keys.map((k) => `${k}=${svcs[0].environment[k]}`).join(', ')}`);
}

/**
 * Job options: the API queues each job with them and the worker's reconciler queues lost jobs with
 * them, so both roles must carry each key, pass `ok`, and agree on its value.
 */
function requireJobOptionEnv(i: StaticInput, keys: string[], ok?: (k: string, n: number, s: ServiceView) => boolean): Finding {
  const each = (['api', 'worker'] as const).map((role) => requireEnv(i, role, keys, ok));
  const bad = each.filter((f) => f.status !== 'pass').flatMap((f) => f.evidence);
  const values = (k: string) => new Set([...servicesOf(i, 'api'), ...servicesOf(i, 'worker')].map((s) => s.environment[k]));
  for (const k of keys) if (!bad.length && values(k).size > 1) bad.push(`${i.parsed.servicesSource}: api and worker disagree on ${k} (${[...values(k)].join(' vs ')}); jobs are queued by the API with its value`);
  return judgeAll(bad, each.map((f) => f.evidence.join('')).join('; '));
}

export const appChecks: StaticCheck[] = [
  {
    id: 'REL-011', title: 'Jobs have a timeout', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'A PDF that makes a worker spin forever holds a concurrency slot for good; enough of them stop the queue.',
    remediation: 'Set `workers.job_timeout` (e.g. 120s).',
    references: ['BullMQ docs: Going to production', 'BullMQ docs: Timeout jobs'],
    run: (i) => requireEnv(i, 'worker', [ENV.jobTimeoutMs]),
  },
  {
    id: 'REL-012', title: 'Job attempts with backoff', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Transient failures (a restart, a lock timeout) should be retried, with backoff so retries do not hammer a struggling dependency. The API queues each job with these options, so it must carry them, and the worker must agree.',
    remediation: 'Set `workers.attempts` ≥ 2 and `workers.backoff.delay` > 0 (prodctl renders them into the api and worker services alike).',
    references: ['BullMQ docs: Retrying failing jobs'],
    run: (i) => requireJobOptionEnv(i, [ENV.jobAttempts, ENV.jobBackoffMs], (k, n) => (k === ENV.jobAttempts ? n >= 2 : n > 0)),
  },
  {
    id: 'REL-013', title: 'Completed and failed jobs are removed after a while', category: 'reliability', severity: 'medium', scope: 'static', section: 'services',
    rationale: 'BullMQ keeps every finished job by default: Redis fills up, and with noeviction, writes start to fail.',
    remediation: 'Set `workers.remove_on_complete` and `workers.remove_on_fail` (age and count); the api and worker services must both carry them, as the API queues the jobs.',
    references: ['BullMQ docs: Auto-removal of jobs', 'BullMQ docs: Going to production'],
    run: (i) => requireJobOptionEnv(i, [ENV.removeOnCompleteAgeS, ENV.removeOnFailAgeS]),
  },
  {
    id: 'REL-014', title: 'At least 2 API replicas on medium and large', category: 'reliability', severity: 'high', scope: 'static', section: 'infrastructure',
    rationale: 'One replica means every deploy, crash or restart is an outage.',
    remediation: 'Set `api.replicas: 2` or more.',
    references: ['Production checklist: horizontal scaling'],
    run: (i) => {
      const svcs = servicesOf(i, 'api');
      const n = svcs.reduce((sum, s) => sum + s.replicas, 0);
      const ev = `${i.parsed.servicesSource}: ${n} API replica(s) (${svcs.map((s) => `${s.name}×${s.replicas}`).join(', ') || 'none'}), preset ${i.plan.preset}`;
      // The small preset may run one replica, but in production that costs failed requests on
      // every deploy or restart (docs/runtime.md measures a raw SIGTERM of the only replica).
      if (i.plan.preset === 'small' && n === 1 && i.plan.profile.project.environment === 'production') return warn(`${ev}: a restart of the only replica fails the requests in flight and those that arrive before it is back`);
      if (i.plan.preset === 'small') return n >= 1 ? pass(ev) : fail(ev);
      return n >= 2 ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'REL-015', title: 'Queue backpressure at a max depth', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Without a max depth an upload burst grows the queue without bound; the API must answer 503 instead.',
    remediation: 'Set `workers.max_queue_depth`.',
    references: ['BullMQ docs: Going to production'],
    run: (i) => requireEnv(i, 'api', [ENV.queueMaxDepth]),
  },
  {
    id: 'PERF-001', title: 'Per-user rate limits on the API', category: 'performance', severity: 'high', scope: 'static', section: 'services',
    rationale: 'One user (or one leaked key) must not be able to take the capacity of everyone else.',
    remediation: 'Set `api.rate_limits.requests_per_second` and `uploads_per_minute`.',
    references: ['OWASP API Security Top 10: API4 Unrestricted Resource Consumption'],
    run: (i) => requireEnv(i, 'api', [ENV.rateRequestsPerSecond, ENV.rateUploadsPerMinute]),
  },
  {
    id: 'PERF-003', title: 'Upload size limit', category: 'performance', severity: 'high', scope: 'static', section: 'services',
    rationale: 'An unbounded upload fills the disk and the memory of the API; the limit must be explicit and sane (≤ 1 GiB).',
    remediation: 'Set `api.max_upload_size` (e.g. 50M).',
    references: ['OWASP File Upload Cheat Sheet'],
    run: (i) => requireEnv(i, 'api', [ENV.maxUploadBytes], (_k, n) => n > 0 && n <= 1024 ** 3),
  },
  {
    id: 'PERF-004', title: 'Worker memory covers concurrency × per-job memory', category: 'performance', severity: 'high', scope: 'static', section: 'services',
    rationale: 'If concurrent jobs may use more than the limit, the kernel kills the whole worker and every job on it is retried.',
    remediation: 'Raise `workers.resources.memory` or lower `workers.concurrency` / `workers.per_job_memory`.',
    references: ['Node.js docs: worker_threads resourceLimits'],
    run: (i) => {
      const svcs = servicesOf(i, 'worker');
      if (!svcs.length) return fail(`no worker service in ${i.parsed.servicesSource}`);
      const bad: string[] = [];
      const ok: string[] = [];
      for (const s of svcs) {
        const c = envNumber(s, ENV.workerConcurrency);
        const mb = envNumber(s, ENV.perJobMemoryMb);
        if (!c || !mb || !s.memoryBytes) {
          bad.push(`${where(i, s)}: ${ENV.workerConcurrency}=${c ?? 'unset'}, ${ENV.perJobMemoryMb}=${mb ?? 'unset'}, memory limit ${s.memoryBytes ?? 'unset'}`);
          continue;
        }
        const need = c * mb * 1024 ** 2;
        const line = `${where(i, s)}: ${c} × ${mb} MiB = ${formatBytes(need)} vs limit ${formatBytes(s.memoryBytes)}`;
        (need < s.memoryBytes ? ok : bad).push(line);
      }
      return bad.length ? fail(...bad) : pass(...ok);
    },
  },
  {
    id: 'SEC-012', title: 'API authentication configured', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'Without API keys or OIDC every endpoint is anonymous: anyone can upload and read documents.',
    remediation: 'Set `api.auth.api_keys: true` (with the api_key_pepper secret) or `api.auth.oidc`.',
    references: ['OWASP API Security Top 10: API2 Broken Authentication'],
    run: (i) => {
      const svcs = servicesOf(i, 'api');
      if (!svcs.length) return fail(`no api service in ${i.parsed.servicesSource}`);
      return judgeAll(
        svcs.filter((s) => !s.environment[ENV.apiKeyPepperFile] && !s.environment[ENV.oidcIssuer]).map((s) => `${where(i, s)}: neither ${ENV.apiKeyPepperFile} nor ${ENV.oidcIssuer} set`),
        `${svcs.map((s) => s.name).join(', ')}: ${svcs[0].environment[ENV.apiKeyPepperFile] ? `${ENV.apiKeyPepperFile}=${svcs[0].environment[ENV.apiKeyPepperFile]}` : `${ENV.oidcIssuer}=${svcs[0].environment[ENV.oidcIssuer]}`}`,
      );
    },
  },
  {
    id: 'PERF-006', title: 'Load-test thresholds define success', category: 'performance', severity: 'medium', scope: 'static', section: 'testing',
    rationale: 'A load test without thresholds cannot fail, so it cannot gate a release.',
    remediation: 'Keep `loadtest.thresholds` for http_req_duration (p95) and http_req_failed (rate).',
    references: ['k6 docs: Thresholds'],
    run: (i) => {
      const t = i.plan.profile.loadtest.thresholds;
      const keys = Object.keys(t);
      const missing = ['http_req_duration', 'http_req_failed'].filter((m) => !keys.some((k) => k === m || k.startsWith(`${m}{`)));
      return missing.length ? fail(`loadtest.thresholds lacks ${missing.join(', ')} (has ${keys.join(', ') || 'none'})`) : pass(...keys.map((k) => `loadtest.thresholds.${k} = ${t[k].join(', ')}`));
    },
  },
];
