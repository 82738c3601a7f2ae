-- The job reconciler (runtime/worker/reconcile.ts) looks for queued jobs older than its grace age
-- to compare them with the queue. Partial on state = 'queued' alone, on purpose: no statement that
-- looks a job up by id says only `state = 'queued'` (they say `state IN ('queued', 'active')`), so
-- the planner cannot pick this index for them, the trap migration 003 removed.
CREATE INDEX IF NOT EXISTS jobs_queued_created_idx ON jobs (created_at) WHERE state = 'queued';
