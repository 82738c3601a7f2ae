-- jobs_state_idx indexed every queued and active job, and that made it a trap. ANALYZE run while
-- nothing waits sees it empty, so the planner then looks up a job by `id = $1 AND state IN
-- ('queued', 'active')` (the result record, the claim, a retry) by scanning that index and
-- filtering on id: every completion read the whole backlog, the more so the deeper the queue.
-- Measured with 500 queued: "Rows Removed by Filter: 499" per lookup, and 20 lookups read
-- 10,020-10,831 index entries instead of 20-40 (test/runtime/job-lookup.test.ts).
-- What needed an index on state is the live check for jobs stuck active, which this one serves
-- and which no statement on queued jobs can use.
DROP INDEX IF EXISTS jobs_state_idx;
CREATE INDEX jobs_active_started_idx ON jobs (started_at) WHERE state = 'active';
