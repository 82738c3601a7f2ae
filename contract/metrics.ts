// The metrics contract: every metric the API and workers export. docs/metrics.md, the alert
// rules and the dashboards are generated from or checked against this list. Labels are bounded:
// route templates and op names only, never raw paths or user ids.
export interface MetricSpec {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  unit: string;
  labels: readonly string[];
  emittedBy: readonly ('api' | 'worker' | 'backup' | 'edge' | 'autoscaler')[];
}

export const METRICS = {
  httpDuration: { name: 'prodctl_http_request_duration_seconds', type: 'histogram', unit: 'seconds', help: 'HTTP request duration by route template, method and status.', labels: ['route', 'method', 'status'], emittedBy: ['api'] },
  httpInFlight: { name: 'prodctl_http_requests_in_flight', type: 'gauge', unit: 'requests', help: 'HTTP requests being served now.', labels: [], emittedBy: ['api'] },
  httpRateLimited: { name: 'prodctl_http_rate_limited_total', type: 'counter', unit: 'requests', help: 'Requests answered 429 by the per-user rate limit, by bucket (upload or request), or per client address after failed authentications (auth_failure).', labels: ['bucket'], emittedBy: ['api'] },
  httpBackpressure: { name: 'prodctl_http_backpressure_rejections_total', type: 'counter', unit: 'requests', help: 'Job submissions answered 503 because the queue was over its max depth.', labels: [], emittedBy: ['api'] },
  queueJobs: { name: 'prodctl_queue_jobs', type: 'gauge', unit: 'jobs', help: 'Jobs in the queue by state (waiting, active, delayed, failed, completed).', labels: ['state'], emittedBy: ['api', 'worker'] },
  queueOldestWaitingAge: { name: 'prodctl_queue_oldest_waiting_age_seconds', type: 'gauge', unit: 'seconds', help: 'Age of the oldest job still waiting.', labels: [], emittedBy: ['api', 'worker'] },
  jobDuration: { name: 'prodctl_job_duration_seconds', type: 'histogram', unit: 'seconds', help: 'Job processing time by op and outcome (completed, failed, retried, postponed).', labels: ['op', 'outcome'], emittedBy: ['worker'] },
  jobsTotal: { name: 'prodctl_jobs_total', type: 'counter', unit: 'jobs', help: 'Job attempts finished, by op and outcome (completed, failed, retried, postponed: a backing service was away and the job waits without spending an attempt).', labels: ['op', 'outcome'], emittedBy: ['worker'] },
  jobsReconciled: { name: 'prodctl_jobs_reconciled_total', type: 'counter', unit: 'jobs', help: 'Jobs whose Postgres record and queue entry disagreed and were repaired, by repair (requeued: missing from the queue; recorded_failed: failed in the queue only; rerun: completed in the queue only).', labels: ['repair'], emittedBy: ['worker'] },
  jobsStalled: { name: 'prodctl_jobs_stalled_total', type: 'counter', unit: 'jobs', help: 'Jobs found stalled and handed back to the queue.', labels: [], emittedBy: ['worker'] },
  workerActive: { name: 'prodctl_worker_active_jobs', type: 'gauge', unit: 'jobs', help: 'Jobs this worker is processing now.', labels: [], emittedBy: ['worker'] },
  pgPool: { name: 'prodctl_pg_pool_connections', type: 'gauge', unit: 'connections', help: 'Postgres pool connections by state (total, idle, waiting).', labels: ['state'], emittedBy: ['api', 'worker'] },
  ready: { name: 'prodctl_ready', type: 'gauge', unit: 'boolean', help: '1 while the process is ready to serve, 0 while starting or draining.', labels: [], emittedBy: ['api', 'worker'] },
  buildInfo: { name: 'prodctl_build_info', type: 'gauge', unit: 'info', help: 'Always 1; labels carry the release and role.', labels: ['release', 'role'], emittedBy: ['api', 'worker'] },
  backupLastSuccess: { name: 'prodctl_backup_last_success_timestamp_seconds', type: 'gauge', unit: 'seconds', help: 'Unix time of the last complete backup set (textfile collector).', labels: [], emittedBy: ['backup'] },
  backupLastVerifyOk: { name: 'prodctl_backup_last_verify_ok', type: 'gauge', unit: 'boolean', help: '1 when the last backup verify passed, 0 when it failed (textfile collector).', labels: [], emittedBy: ['backup'] },
  backupLastVerifyTime: { name: 'prodctl_backup_last_verify_timestamp_seconds', type: 'gauge', unit: 'seconds', help: 'Unix time of the last backup verify (textfile collector).', labels: [], emittedBy: ['backup'] },
  tlsCertNotAfter: { name: 'prodctl_tls_certificate_not_after_timestamp_seconds', type: 'gauge', unit: 'seconds', help: 'Unix time when the certificate the running HAProxy edge serves for a domain expires, read from its runtime API (show ssl cert) by prodctl tls issue, renew and status (textfile collector).', labels: ['domain'], emittedBy: ['edge'] },
  autoscalerDesired: { name: 'prodctl_autoscaler_desired_workers', type: 'gauge', unit: 'workers', help: 'Workers the autoscaler decided on at its last poll (textfile collector).', labels: [], emittedBy: ['autoscaler'] },
  autoscalerCurrent: { name: 'prodctl_autoscaler_current_workers', type: 'gauge', unit: 'workers', help: 'Workers running when the autoscaler last polled (textfile collector).', labels: [], emittedBy: ['autoscaler'] },
  autoscalerMax: { name: 'prodctl_autoscaler_max_workers', type: 'gauge', unit: 'workers', help: 'autoscale.max, so alerts can tell when the autoscaler has nothing left to add (textfile collector).', labels: [], emittedBy: ['autoscaler'] },
  autoscalerDecision: { name: 'prodctl_autoscaler_decision', type: 'gauge', unit: 'info', help: 'Always 1; the reason label says why of the last decision (steady, backlog, oldest-wait, at-max, down-window, cooldown, scale-down, deploy-running, …) (textfile collector).', labels: ['reason'], emittedBy: ['autoscaler'] },
} as const satisfies Record<string, MetricSpec>;

/**
 * Upper bounds (seconds) of the HTTP duration histogram. The latency SLOs count a request as good
 * from the bucket whose bound equals their threshold, so every threshold a profile may use for
 * `slo.objectives.*_latency.threshold` must be here exactly (default 1 s for status, 5 s for uploads).
 */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;

// Default process metrics from prom-client (nodejs_eventloop_lag_seconds, process_resident_memory_bytes, …)
// are also exported by both roles; they are not repeated here.
