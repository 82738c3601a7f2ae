// `backup verify`'s WAL part: from a set's base backup on, the archived segments of its timeline
// must follow one another without a hole; the first hole is reported (restores cannot pass it).
// Segments not archived *yet* at the end are no problem: the tar is consistent on its own.
import type { BaseBackupInfo } from '../manifest.js';
import type { BackupStore } from '../stores/types.js';
import { listWal } from './wal-archive.js';
import { walPastBase } from '../pitr/pick-base.js';

export async function checkWalChain(store: BackupStore, base: BaseBackupInfo): Promise<{ segments: number; problems: string[] }> {
  const chain = walPastBase(base, await listWal(store, base.stopWal.slice(0, 8)));
  const problems: string[] = [];
  if (chain.gap) {
    problems.push(`wal: first gap on timeline ${base.timeline}: ${chain.gap.missing} is missing (the archive goes on at ${chain.gap.nextPresent}); no point-in-time restore past ${chain.last ?? `the base backup's end ${base.stopLsn}`}`);
  }
  return { segments: chain.segments, problems };
}
