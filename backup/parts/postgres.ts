// Postgres part: pg_dump streams into the pipeline while, in the very same exported snapshot, we
// count rows, checksum every table and read which blobs the database references. All three
// describe one instant, so the files part can promise every referenced blob is in the set.
import pg from 'pg';
import { BackupError } from '../../lib/errors.js';
import type { ManifestFile, PostgresPart } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { readObject, writeObject, type StreamCodec } from '../stream/pipeline.js';
import { computeTableSums } from './pg-checksums.js';
import { pgDumpArgs, pgRestoreArgs, type PgConn, type PgTools } from './pg-tools.js';

export interface PostgresBackupResult {
  part: PostgresPart;
  /** Blob addresses referenced at dump time (from `referencedBlobsSql`). */
  referencedBlobs: string[];
}

/** The runtime's schema: files.sha256 is the content address of each stored blob. */
export const DEFAULT_REFERENCED_BLOBS_SQL = 'SELECT DISTINCT sha256 AS address FROM files';

export function clientOf(conn: PgConn): pg.Client {
  const c = new pg.Client({ host: conn.host, port: conn.port, user: conn.user, password: conn.password, database: conn.database, application_name: 'prodctl-backup' });
  // A server that goes away (shutdown, restart, pg_terminate_backend) emits 'error' on the client;
  // with no listener Node turns it into an uncaught exception. A running query rejects on its own
  // and the next one fails with "Client was closed", so the event only has to be absorbed here.
  c.on('error', () => {});
  return c;
}

async function readReferencedBlobs(db: pg.Client, sql: string): Promise<string[]> {
  const has = await db.query(`SELECT to_regclass('files') IS NOT NULL AS ok`);
  if (!has.rows[0].ok) return [];
  const r = await db.query<{ address: string }>(sql);
  return r.rows.map((row) => row.address).sort();
}

export async function backupPostgres(o: {
  conn: PgConn;
  tools: PgTools;
  store: BackupStore;
  key: string;
  codec: StreamCodec;
  referencedBlobsSql?: string;
  onBytes?: (n: number) => void;
}): Promise<PostgresBackupResult> {
  const db = clientOf(o.conn);
  try {
    await db.connect();
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const snap = await db.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
    const version = await db.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    const dump = o.tools.dump(o.conn, pgDumpArgs(o.conn, { snapshot: snap.rows[0].s }));
    // Dump and checksums run side by side in the same snapshot; the transaction stays open until
    // pg_dump has finished, which keeps the snapshot importable.
    const [file, sums] = await Promise.all([
      Promise.all([writeObject(o.store, o.key, dump.stream, o.codec, o.onBytes), dump.done]).then(([f]) => f),
      (async () => ({ tables: await computeTableSums(db), blobs: await readReferencedBlobs(db, o.referencedBlobsSql ?? DEFAULT_REFERENCED_BLOBS_SQL) }))(),
    ]);
    await db.query('COMMIT');
    return {
      part: { format: 'custom', database: o.conn.database, serverVersion: version.rows[0].v, files: [file], tables: sums.tables },
      referencedBlobs: sums.blobs,
    };
  } catch (err) {
    throw err instanceof BackupError ? err : new BackupError(`part postgres: ${(err as Error).message}`, 'check that Postgres is reachable with the profile credentials');
  } finally {
    await db.end().catch(() => {});
  }
}

/** Streams the stored dump back into a database through pg_restore (one transaction). */
export async function restorePostgres(o: { conn: PgConn; tools: PgTools; store: BackupStore; file: ManifestFile; codec: StreamCodec }): Promise<void> {
  const run = o.tools.restore(o.conn, pgRestoreArgs(o.conn));
  // If pg_restore dies early its stdin errors (EPIPE); report pg_restore's own message instead.
  const [fed, exited] = await Promise.allSettled([readObject(o.store, o.file.key, o.codec, run.stream), run.done]);
  if (exited.status === 'rejected') throw exited.reason;
  if (fed.status === 'rejected') throw new BackupError(`part postgres, file ${o.file.key}: ${(fed.reason as Error).message}`, 'the set is corrupt or the key is wrong; run `prodctl backup verify`');
  if (fed.value.sha256 !== o.file.plainSha256) throw new BackupError(`part postgres, file ${o.file.key}: plain sha256 mismatch after decryption`, 'the set is corrupt');
}

export async function createDatabase(admin: PgConn, name: string): Promise<void> {
  const db = clientOf({ ...admin, database: 'postgres' });
  await db.connect();
  try {
    await db.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
  } finally {
    await db.end();
  }
}

export async function readTableSums(conn: PgConn): Promise<PostgresPart['tables']> {
  const db = clientOf(conn);
  await db.connect();
  try {
    return await computeTableSums(db);
  } finally {
    await db.end();
  }
}
