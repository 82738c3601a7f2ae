// The last archived WAL and its age, from Postgres' own pg_stat_archiver (any role may read it).
import type { PgConn } from '../parts/pg-tools.js';
import { clientOf } from '../parts/postgres.js';

export interface ArchiverStatus {
  lastArchivedWal: string | null;
  lastArchivedAt: string | null;
  ageSeconds: number | null;
  failedCount: number;
  lastFailedWal: string | null;
  lastFailedAt: string | null;
}

export async function readArchiver(conn: PgConn): Promise<ArchiverStatus> {
  const db = clientOf(conn);
  await db.connect();
  try {
    const r = await db.query<{ w: string | null; t: Date | null; age: number | null; failed: string; fw: string | null; ft: Date | null }>(
      `SELECT last_archived_wal AS w, last_archived_time AS t, extract(epoch FROM now() - last_archived_time)::float8 AS age,
              failed_count AS failed, last_failed_wal AS fw, last_failed_time AS ft FROM pg_stat_archiver`,
    );
    const row = r.rows[0];
    return {
      lastArchivedWal: row.w,
      lastArchivedAt: row.t ? row.t.toISOString() : null,
      ageSeconds: row.age === null ? null : Math.max(0, Math.round(row.age)),
      failedCount: Number(row.failed),
      lastFailedWal: row.fw,
      lastFailedAt: row.ft ? row.ft.toISOString() : null,
    };
  } finally {
    await db.end().catch(() => {});
  }
}
