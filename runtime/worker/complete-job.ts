// Records a finished job exactly once: the output file rows keyed by (job, output index) and the
// job row's transition to completed happen in ONE statement (one round trip, atomic by itself),
// and a second delivery of the same job (after stall recovery) changes nothing: the row lock
// makes it wait for the first, after which the job is completed and nothing matches.
//
// The same statement checks the owner's storage quota: outputs count like uploads (a split can
// make hundreds of files), and a job whose outputs would pass the quota fails instead of storing
// them. Two jobs of one owner completing at the same instant each see the other's outputs as not
// yet there, so the quota can be passed by at most what the worker's concurrent jobs store.
//
// The same statement checks that the job's inputs still exist. A first attempt runs without a
// claim (processor.ts), so this is where an input deleted since the job was accepted shows up:
// the job is then not completed, and outputs no file row points at get a tombstone, so the
// sweeper removes them after the grace period as it does any unreferenced blob.
import { namedStatement, type Pool } from '../core/db.js';

export interface Output {
  sha256: string;
  bytes: number;
  pages: number;
}

// The inputs are counted with one array lookup on the files key, read while the job row is
// locked. (An anti-join per input let the planner hash a whole scan of files for every job: with
// its default guess of 100 elements for the array, a sequential scan looked cheaper.)
const COMPLETE_SQL = `
WITH j AS (
  SELECT id, (SELECT count(*) FROM files f WHERE f.id = ANY(jobs.inputs)) < (SELECT count(DISTINCT i) FROM unnest(jobs.inputs) AS i) AS inputs_gone
    FROM jobs WHERE id = $1 AND state IN ('queued', 'active') FOR UPDATE
), usage AS (
  -- Outputs count toward the owner's storage quota like uploads do.
  SELECT (SELECT coalesce(sum(bytes), 0) FROM files WHERE user_id = $2::uuid)::float8 AS used,
         (SELECT coalesce(sum(b), 0) FROM unnest($4::bigint[]) AS b)::float8 AS adding
), over AS (
  SELECT used + adding > $10::float8 AS over_quota FROM usage WHERE adding > 0
), ok AS (
  SELECT id FROM j WHERE NOT inputs_gone AND NOT coalesce((SELECT over_quota FROM over), false)
), cleared AS (
  -- The content is referenced again: a pending tombstone must not remove it.
  DELETE FROM blob_tombstones WHERE sha256 = ANY($3::text[]) AND EXISTS (SELECT 1 FROM ok)
), orphaned AS (
  INSERT INTO blob_tombstones (sha256)
  SELECT DISTINCT s FROM unnest($3::text[]) AS s
   WHERE EXISTS (SELECT 1 FROM j) AND NOT EXISTS (SELECT 1 FROM ok) AND NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = s)
  ON CONFLICT (sha256) DO NOTHING
), outs AS (
  INSERT INTO files (user_id, sha256, bytes, pages, filename, source_job_id, output_index)
  SELECT $2::uuid, o.sha, o.bytes, o.pages, $6 || '-' || o.n || '.pdf', ok.id, o.n - 1
    FROM ok, unnest($3::text[], $4::bigint[], $5::int[]) WITH ORDINALITY AS o(sha, bytes, pages, n)
  ON CONFLICT (source_job_id, output_index) DO UPDATE SET output_index = EXCLUDED.output_index
  RETURNING id, output_index
), done AS (
  UPDATE jobs SET state = 'completed', result = coalesce((SELECT array_agg(id ORDER BY output_index) FROM outs), '{}'),
         info = $7::jsonb, progress = 100, error = NULL, finished_at = now(), attempts = $8,
         started_at = coalesce(started_at, now() - make_interval(secs => $9))
   WHERE id IN (SELECT id FROM ok) RETURNING id
)
SELECT (SELECT count(*) FROM done)::int AS recorded, coalesce((SELECT inputs_gone FROM j), false) AS inputs_gone,
       coalesce((SELECT over_quota FROM over WHERE EXISTS (SELECT 1 FROM j)), false) AS over_quota,
       (SELECT used FROM usage) AS used, (SELECT adding FROM usage) AS adding`;
const COMPLETE_JOB = namedStatement('complete-job', COMPLETE_SQL);

export interface CompletedJob {
  id: string;
  userId: string;
  op: string;
  attempt: number;
  /** How long this attempt ran, by the worker's monotonic clock (back-dates a missing started_at). */
  runningSeconds: number;
}

export interface CompleteResult {
  /** False when the job was already finished (a second delivery), or refused below. */
  recorded: boolean;
  /** An input file was deleted since the job was accepted: nothing was recorded. */
  inputsGone: boolean;
  /** The outputs would take the owner past `quotaBytes`: nothing was recorded. */
  overQuota: boolean;
  /** The owner's stored bytes before these outputs, and the outputs' bytes. */
  usedBytes: number;
  outputBytes: number;
}

/**
 * Records the outputs and the completed job, unless an input is gone or the outputs would take
 * the owner over `quotaBytes`; refused outputs get a tombstone (the sweeper removes them later).
 */
export async function completeJob(pool: Pick<Pool, 'query'>, job: CompletedJob, outputs: Output[], info: unknown, quotaBytes: number): Promise<CompleteResult> {
  const r = await pool.query(
    COMPLETE_JOB([
      job.id,
      job.userId,
      outputs.map((o) => o.sha256),
      outputs.map((o) => o.bytes),
      outputs.map((o) => o.pages),
      job.op,
      info === undefined ? null : JSON.stringify(info),
      job.attempt,
      job.runningSeconds,
      quotaBytes,
    ]),
  );
  const row = r.rows[0];
  return { recorded: row.recorded > 0, inputsGone: row.inputs_gone, overQuota: row.over_quota, usedBytes: row.used, outputBytes: row.adding };
}

/** What the owner of a job refused for its outputs' size reads (the job's error). */
export function quotaExceededMessage(usedBytes: number, outputBytes: number, quotaBytes: number): string {
  return `storage quota exceeded: the job's outputs (${outputBytes} bytes) would bring your storage to ${usedBytes + outputBytes} of ${quotaBytes} bytes; delete files and submit the job again`;
}
