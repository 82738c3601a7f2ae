// What a backup reads from and how: explicit connection details and adapters, so the CLI (from
// the native endpoints or Docker), tests and the bench all pass them in the same way.
import type { PgConn, PgTools } from './parts/pg-tools.js';
import type { RedisConn } from './parts/redis.js';
import type { PartName } from './manifest.js';
import type { BlobAccess } from './parts/blob-access.js';
import type { Readable } from 'node:stream';

export interface BackupSources {
  /**
   * baseBackup: also take a pg_basebackup (backup.wal.archive on; local client tools only), as
   * `baseBackupConn` when given: the superuser, since the service role has no REPLICATION.
   */
  postgres?: { conn: PgConn; tools: PgTools; referencedBlobsSql?: string; baseBackup?: boolean; baseBackupConn?: PgConn };
  /** openFile reads the RDB where Redis wrote it (default: the local disk; Docker: getArchive). */
  redis?: { conn: RedisConn; rdbPath?: string; openFile?: (path: string) => Promise<Readable> };
  /** access defaults to the local folder uploadsDir; Docker passes the container's volume. */
  files?: { uploadsDir: string; access?: BlobAccess };
}

export function partsOf(s: BackupSources): PartName[] {
  return (['postgres', 'redis', 'files'] as const).filter((p) => s[p]);
}

export interface ProgressEvent {
  part: PartName | 'manifest';
  phase: 'start' | 'bytes' | 'done';
  bytes?: number;
}
