// Lazy blob deletion: a deleted file's blob is removed only once its tombstone is older than the
// grace period (profile storage.blob_grace), so a database backup taken before the delete can
// still be restored with its files. Runs in the workers; several sweepers never collide because
// each tombstone is claimed by a row-locking DELETE.
import type { Logger } from 'pino';
import { withTransaction, type Pool } from './db.js';
import type { BlobStore } from './storage.js';

export interface SweepDeps {
  pool: Pool;
  store: BlobStore;
  graceMs: number;
  /** Age past which a temp file counts as abandoned (staleTempMs() of the config). */
  staleTempMs?: number;
  log?: Logger;
}

/**
 * A blob written within this window is treated as stored again (an upload of the same content
 * commits the blob before it inserts its row). Never longer than the grace itself, so a short
 * grace (tests) still sweeps promptly; production graces are hours.
 */
export function freshWindowMs(graceMs: number): number {
  return Math.min(graceMs, 5 * 60_000);
}

/**
 * A temp file is a write in progress for at most the request timeout (uploads) or the job timeout
 * (PDF threads); one older than twice the longer of the two, and at least an hour, belongs to a
 * write that was killed and will never commit.
 */
export function staleTempMs(timeouts: { requestTimeoutMs: number; jobTimeoutMs: number }): number {
  return Math.max(60 * 60_000, 2 * timeouts.requestTimeoutMs, 2 * timeouts.jobTimeoutMs);
}

/** Removes blobs whose grace has passed; returns how many were removed. */
export async function sweepBlobs(d: SweepDeps, limit = 100): Promise<number> {
  // Content stored again has a file row: its tombstone is void.
  await d.pool.query('DELETE FROM blob_tombstones t WHERE EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256)');
  const due = await d.pool.query<{ sha256: string }>(
    `SELECT sha256 FROM blob_tombstones WHERE deleted_at < now() - make_interval(secs => $1::float8 / 1000) ORDER BY deleted_at LIMIT $2`,
    [d.graceMs, limit],
  );
  let removed = 0;
  for (const { sha256 } of due.rows) {
    const outcome = await withTransaction(d.pool, async (c) => {
      // The row lock held until commit makes a concurrent INSERT INTO files of this content wait
      // (its tombstone-clearing CTE deletes the same row), so the blob is not removed under its feet.
      const claimed = await c.query(
        `DELETE FROM blob_tombstones t WHERE sha256 = $1 AND deleted_at < now() - make_interval(secs => $2::float8 / 1000)
           AND NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256) RETURNING sha256`,
        [sha256, d.graceMs],
      );
      if (!claimed.rowCount) return 'skipped';
      const result = await d.store.removeUnlessFresh(sha256, freshWindowMs(d.graceMs));
      // Re-stored but not (yet) referenced: keep a fresh tombstone so it is looked at again.
      if (result === 'fresh') await c.query('INSERT INTO blob_tombstones (sha256) VALUES ($1) ON CONFLICT DO NOTHING', [sha256]);
      return result;
    });
    if (outcome === 'removed') removed++;
  }
  if (removed) d.log?.info({ removed }, 'deleted blobs removed after their grace period');
  const stale = await d.store.removeStaleTemp(d.staleTempMs ?? staleTempMs({ requestTimeoutMs: 0, jobTimeoutMs: 0 }));
  if (stale) d.log?.info({ removed: stale }, 'temp files of writes that never committed removed');
  return removed;
}

/** Sweeps every interval (a quarter of the grace, between 1 s and 1 min); returns a stop function. */
export function startBlobSweeper(d: SweepDeps): () => void {
  const everyMs = Math.max(1_000, Math.min(60_000, Math.floor(d.graceMs / 4)));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepBlobs(d)
      .catch((err) => d.log?.warn({ err: (err as Error).message }, 'blob sweep failed; will retry'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
