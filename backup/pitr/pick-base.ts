// Which base backup a point-in-time restore starts from, and whether the archive can carry it to a
// consistent state. Pure: sets and WAL names in, a decision or a refusal out.
import { BackupError } from '../../lib/errors.js';
import type { SetInfo } from '../catalog.js';
import type { Manifest } from '../manifest.js';
import type { BaseBackupInfo } from '../manifest.js';
import { parseLsn, walkWalChain, type WalChain } from '../wal/wal-names.js';

/** latest: replay every archived WAL file (after losing the host). */
export type PitrTarget = { kind: 'time'; time: Date } | { kind: 'lsn'; lsn: string } | { kind: 'latest' };

export function describeTarget(t: PitrTarget): string {
  return t.kind === 'time' ? t.time.toISOString() : t.kind === 'lsn' ? `LSN ${t.lsn}` : 'the end of the archived WAL';
}

/** The base backup has to be finished (consistent) at or before the target. */
function precedes(b: BaseBackupInfo, t: PitrTarget): boolean {
  if (t.kind === 'latest') return true;
  return t.kind === 'time' ? Date.parse(b.stopTime) <= t.time.getTime() : parseLsn(b.stopLsn) <= parseLsn(t.lsn);
}

/** The newest complete set whose base backup finished before the target. */
export function pickBaseBackup(sets: SetInfo[], target: PitrTarget): Manifest & { parts: { postgres: { base: BaseBackupInfo } } } {
  const withBase = sets.filter((s) => s.status === 'complete' && s.manifest?.parts.postgres?.base);
  const before = withBase.filter((s) => precedes(s.manifest!.parts.postgres!.base!, target));
  const pick = before.sort((a, b) => Date.parse(a.manifest!.parts.postgres!.base!.stopTime) - Date.parse(b.manifest!.parts.postgres!.base!.stopTime)).pop();
  if (!pick) {
    const oldest = withBase.map((s) => s.manifest!.parts.postgres!.base!.stopTime).sort()[0];
    throw new BackupError(
      `no base backup finished before ${describeTarget(target)}${oldest ? ` (the oldest finished at ${oldest})` : ' (no set has one)'}`,
      oldest ? 'pick a later target: a point-in-time restore starts from a base backup taken before it' : 'turn on backup.wal.archive and run `prodctl backup`; sets taken before have no base backup',
    );
  }
  return pick.manifest as Manifest & { parts: { postgres: { base: BaseBackupInfo } } };
}

/**
 * The tar carries the WAL up to its end point (pg_basebackup --wal-method=fetch), so it is consistent
 * on its own; replay past that point reads the archive from the base backup's last segment on, and
 * stops at the first missing one.
 */
export function walPastBase(base: BaseBackupInfo, archived: string[]): WalChain {
  return walkWalChain(archived, base.stopWal, base.walSegmentSize);
}
