// What a backup reads from and how: explicit connection details and adapters, so the CLI (from
// the native endpoints or Docker), tests and the bench all pass them in the same way.
import type { PgConn, PgTools } from './parts/pg-tools.js';
import type { RedisConn } from './parts/redis.js';
import type { PartName } from './manifest.js';

export interface BackupSources {
  postgres?: { conn: PgConn; tools: PgTools; referencedBlobsSql?: string };
  redis?: { conn: RedisConn; rdbPath?: string };
  files?: { uploadsDir: string };
}

export function partsOf(s: BackupSources): PartName[] {
  return (['postgres', 'redis', 'files'] as const).filter((p) => s[p]);
}

export interface ProgressEvent {
  part: PartName | 'manifest';
  phase: 'start' | 'bytes' | 'done';
  bytes?: number;
}
