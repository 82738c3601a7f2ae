// Records a finished job exactly once: the output file rows keyed by (job, output index) and the
// job row's transition to completed happen in ONE statement (one round trip, atomic by itself),
// and a second delivery of the same job (after stall recovery) changes nothing: the row lock
// makes it wait for the first, after which the job is completed and nothing matches.
import { namedStatement, type Pool } from '../core/db.js';

export interface Output {
  sha256: string;
  bytes: number;
  pages: number;
}

const COMPLETE_SQL = `
WITH j AS (
  SELECT id FROM jobs WHERE id = $1 AND state <> 'completed' FOR UPDATE
), cleared AS (
  -- The content is referenced again: a pending tombstone must not remove it.
  DELETE FROM blob_tombstones WHERE sha256 = ANY($3::text[]) AND EXISTS (SELECT 1 FROM j)
), outs AS (
  INSERT INTO files (user_id, sha256, bytes, pages, filename, source_job_id, output_index)
  SELECT $2::uuid, o.sha, o.bytes, o.pages, $6 || '-' || o.n || '.pdf', j.id, o.n - 1
    FROM j, unnest($3::text[], $4::bigint[], $5::int[]) WITH ORDINALITY AS o(sha, bytes, pages, n)
  ON CONFLICT (source_job_id, output_index) DO UPDATE SET output_index = EXCLUDED.output_index
  RETURNING id, output_index
), done AS (
  UPDATE jobs SET state = 'completed', result = coalesce((SELECT array_agg(id ORDER BY output_index) FROM outs), '{}'),
         info = $7::jsonb, progress = 100, error = NULL, finished_at = now()
   WHERE id IN (SELECT id FROM j) RETURNING id
)
SELECT count(*)::int AS recorded FROM done`;
const COMPLETE_JOB = namedStatement('complete-job', COMPLETE_SQL);

export async function completeJob(pool: Pool, job: { id: string; userId: string; op: string }, outputs: Output[], info: unknown): Promise<{ recorded: boolean }> {
  const r = await pool.query(
    COMPLETE_JOB([
      job.id,
      job.userId,
      outputs.map((o) => o.sha256),
      outputs.map((o) => o.bytes),
      outputs.map((o) => o.pages),
      job.op,
      info === undefined ? null : JSON.stringify(info),
    ]),
  );
  return { recorded: r.rows[0].recorded > 0 };
}
