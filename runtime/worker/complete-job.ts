// Records a finished job exactly once: output file rows keyed by (job, output index) and the job
// row's transition to completed happen in one transaction, and a second delivery of the same job
// (after stall recovery) changes nothing.
import { withTransaction, type Pool } from '../core/db.js';
import { CLEAR_TOMBSTONE } from '../core/repo.js';

export interface Output {
  sha256: string;
  bytes: number;
  pages: number;
}

export async function completeJob(pool: Pool, job: { id: string; userId: string; op: string }, outputs: Output[], info: unknown): Promise<{ recorded: boolean }> {
  return withTransaction(pool, async (c) => {
    const locked = await c.query(`SELECT state FROM jobs WHERE id = $1 FOR UPDATE`, [job.id]);
    if (!locked.rows[0] || locked.rows[0].state === 'completed') return { recorded: false };
    const ids: string[] = [];
    for (let i = 0; i < outputs.length; i++) {
      const o = outputs[i];
      const r = await c.query(
        `${CLEAR_TOMBSTONE} INSERT INTO files (user_id, sha256, bytes, pages, filename, source_job_id, output_index)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (source_job_id, output_index) DO UPDATE SET output_index = EXCLUDED.output_index RETURNING id`,
        [job.userId, o.sha256, o.bytes, o.pages, `${job.op}-${i + 1}.pdf`, job.id, i],
      );
      ids.push(r.rows[0].id);
    }
    await c.query(
      `UPDATE jobs SET state = 'completed', result = $2, info = $3, progress = 100, error = NULL, finished_at = now() WHERE id = $1`,
      [job.id, ids, info === undefined ? null : JSON.stringify(info)],
    );
    return { recorded: true };
  });
}
