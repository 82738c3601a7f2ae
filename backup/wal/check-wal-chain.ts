// `backup verify`'s WAL part: from a set's base backup on, the archived segments of its timeline
// must follow one another without a hole; the first hole is reported (restores cannot pass it).
import type { BaseBackupInfo } from '../parts/pg-basebackup.js';
import type { BackupStore } from '../stores/types.js';
import { listWal } from './wal-archive.js';
import { walkWalChain } from './wal-names.js';

export async function checkWalChain(store: BackupStore, base: BaseBackupInfo): Promise<{ segments: number; problems: string[] }> {
  const chain = walkWalChain(await listWal(store, base.startWal.slice(0, 8)), base.startWal, base.walSegmentSize);
  const problems: string[] = [];
  if (chain.last === null || chain.last < base.stopWal) {
    problems.push(`wal: ${chain.last === null ? base.startWal : `the segment after ${chain.last}`} is not archived; the base backup needs ${base.startWal} … ${base.stopWal} to be restorable`);
  } else if (chain.gap) {
    problems.push(`wal: first gap on timeline ${base.timeline}: ${chain.gap.missing} is missing (the archive goes on at ${chain.gap.nextPresent}); no point-in-time restore past ${chain.last}`);
  }
  return { segments: chain.segments, problems };
}
