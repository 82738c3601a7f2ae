// Base backup for point-in-time restore: pg_basebackup in tar format to stdout, streamed through
// the pipeline (compress, encrypt) into the set. The WAL written during the backup is fetched into
// the tar at its end (-X fetch: the only WAL mode pg_basebackup allows on stdout, and the one that
// reports the start and end LSN), so the tar alone is consistent; replay past it uses the archive,
// which is why a base backup is taken only when WAL archiving is on. Start and stop LSN and times
// go in the manifest; restore picks a base backup by them.
import { spawn } from 'node:child_process';
import { BackupError } from '../../lib/errors.js';
import { findPgBin } from '../../lib/local-postgres.js';
import type { BackupStore } from '../stores/types.js';
import { writeObject, type StoredObject, type StreamCodec } from '../stream/pipeline.js';
import { formatLsn, parseLsn, segmentOfLsn } from '../wal/wal-names.js';
import type { PgConn } from './pg-tools.js';
import { clientOf } from './postgres.js';
import type { BaseBackupInfo } from '../manifest.js';


export function pgBasebackupArgs(conn: PgConn): string[] {
  return ['-D', '-', '--format=tar', '--wal-method=fetch', '--checkpoint=fast', '--no-manifest', '--verbose', '--no-password', `--host=${conn.host}`, `--port=${conn.port}`, `--username=${conn.user}`];
}

/** The start and end points pg_basebackup --verbose reports on stderr. */
export function parseBasebackupLog(stderr: string): { startLsn: string; timeline: number; stopLsn: string } {
  const start = /write-ahead log start point: ([0-9A-F]+\/[0-9A-F]+) on timeline (\d+)/i.exec(stderr);
  const stop = /write-ahead log end point: ([0-9A-F]+\/[0-9A-F]+)/i.exec(stderr);
  if (!start || !stop) throw new BackupError(`part postgres: pg_basebackup did not report its WAL start and end points: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, 'use the pg_basebackup of the server major version');
  return { startLsn: start[1], timeline: Number(start[2]), stopLsn: stop[1] };
}

async function readWalSegmentSize(conn: PgConn): Promise<number> {
  const db = clientOf({ ...conn, database: conn.database });
  await db.connect();
  try {
    const r = await db.query<{ b: string }>("SELECT setting AS b FROM pg_settings WHERE name = 'wal_segment_size'");
    return Number(r.rows[0].b);
  } finally {
    await db.end().catch(() => {});
  }
}

export async function takeBaseBackup(o: { conn: PgConn; store: BackupStore; key: string; codec: StreamCodec; onBytes?: (n: number) => void }): Promise<{ file: StoredObject; info: BaseBackupInfo }> {
  const segSize = await readWalSegmentSize(o.conn);
  const startTime = new Date();
  const child = spawn(findPgBin('pg_basebackup'), pgBasebackupArgs(o.conn), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PGPASSWORD: o.conn.password ?? '', PGCONNECT_TIMEOUT: '10' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new BackupError(`part postgres: pg_basebackup could not start: ${err.message}`, 'install postgresql-client')));
    child.on('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new BackupError(`part postgres: pg_basebackup failed (${signal ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, 'pg_basebackup runs as the postgres superuser (postgres.superuser_password_secret) and needs a `host replication postgres` line in pg_hba.conf; `prodctl up` writes it on the native target')),
    );
  });
  const [written] = await Promise.allSettled([writeObject(o.store, o.key, child.stdout, o.codec, o.onBytes), exited]).then(async ([w, e]) => {
    if (e.status === 'rejected') throw e.reason;
    if (w.status === 'rejected') throw w.reason;
    return [w.value];
  });
  const stopTime = new Date();
  const log = parseBasebackupLog(stderr);
  const info: BaseBackupInfo = {
    format: 'tar',
    key: o.key,
    timeline: log.timeline,
    startLsn: log.startLsn,
    stopLsn: log.stopLsn,
    startWal: segmentOfLsn(log.timeline, parseLsn(log.startLsn), segSize),
    // The end point is the first byte after the backup's last record: the byte before it is in the last segment needed.
    stopWal: segmentOfLsn(log.timeline, parseLsn(log.stopLsn) - 1n, segSize),
    walSegmentSize: segSize,
    startTime: startTime.toISOString(),
    stopTime: stopTime.toISOString(),
  };
  return { file: written, info: { ...info, startLsn: formatLsn(parseLsn(info.startLsn)), stopLsn: formatLsn(parseLsn(info.stopLsn)) } };
}
