// Consistency of a set with the runtime's lazy blob deletion (runtime/core/blob-sweeper.ts):
// a deleted file's blob gets a row in blob_tombstones and stays on disk for storage.blob_grace.
// So in any database state, blobs come in two kinds: referenced (a files row points at them;
// they MUST be in the set, or on disk after a restore) and tombstoned (no row points at them;
// the set may hold them or not, nothing needs them). This reads both and judges a set.
import type pg from 'pg';
import type { PgConn } from './pg-tools.js';
import { clientOf } from './postgres.js';

export interface BlobRefs {
  /** Addresses a files row points at. */
  referenced: string[];
  /** Addresses with a tombstone and no files row: waiting for the sweeper, needed by nothing. */
  tombstoned: string[];
}

async function tableExists(db: pg.ClientBase, name: string): Promise<boolean> {
  return (await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [name])).rows[0].ok;
}

export async function queryBlobRefs(db: pg.ClientBase): Promise<BlobRefs> {
  const referenced = (await tableExists(db, 'files')) ? (await db.query<{ a: string }>('SELECT DISTINCT sha256 AS a FROM files ORDER BY 1')).rows.map((r) => r.a) : [];
  const tombstoned = (await tableExists(db, 'blob_tombstones'))
    ? (await db.query<{ a: string }>('SELECT t.sha256 AS a FROM blob_tombstones t WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256) ORDER BY 1')).rows.map((r) => r.a)
    : [];
  return { referenced, tombstoned };
}

export async function readBlobRefs(conn: PgConn): Promise<BlobRefs> {
  const db = clientOf(conn);
  await db.connect();
  try {
    return await queryBlobRefs(db);
  } finally {
    await db.end().catch(() => {});
  }
}

export interface BlobConsistency {
  /** Referenced addresses missing from `available`. */
  missing: string[];
  tombstonedIncluded: number;
  tombstonedNotIncluded: number;
}

/** Pure: which referenced blobs `available` lacks, and how the tombstoned ones stand. */
export function judgeBlobRefs(refs: BlobRefs, available: Iterable<string>): BlobConsistency {
  const have = new Set(available);
  const included = refs.tombstoned.filter((a) => have.has(a)).length;
  return { missing: refs.referenced.filter((a) => !have.has(a)), tombstonedIncluded: included, tombstonedNotIncluded: refs.tombstoned.length - included };
}

/** One line for a list of missing addresses, naming the first few. */
export function describeMissing(missing: string[], where: string): string {
  const shown = missing.slice(0, 3).join(', ');
  return `${missing.length} blob(s) referenced by the files table are not in ${where}: ${shown}${missing.length > 3 ? ', …' : ''}`;
}

/**
 * After a restore, blobs on disk that the restored database neither references nor tombstones
 * (uploads made after the backup) would stay forever: give them a tombstone so the runtime's
 * sweeper removes them once the grace period has passed, exactly like deleted files.
 */
export async function tombstoneOrphans(conn: PgConn, onDisk: string[]): Promise<number> {
  const db = clientOf(conn);
  await db.connect();
  try {
    if (!(await tableExists(db, 'blob_tombstones'))) return 0;
    const refs = await queryBlobRefs(db);
    const known = new Set([...refs.referenced, ...refs.tombstoned]);
    const orphans = onDisk.filter((a) => !known.has(a));
    if (!orphans.length) return 0;
    const r = await db.query('INSERT INTO blob_tombstones (sha256) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [orphans]);
    return r.rowCount ?? 0;
  } finally {
    await db.end().catch(() => {});
  }
}
