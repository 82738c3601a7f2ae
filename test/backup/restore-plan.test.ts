// The pure part of restore: which blob checks and tombstones a restore of some parts runs.
import { describe, expect, it } from 'vitest';
import type { PartName } from '../../backup/manifest.js';
import { planRestore } from '../../backup/restore.js';

const all: PartName[] = ['postgres', 'redis', 'files'];

describe('planRestore', () => {
  it.each<[string, PartName[], PartName[], PartName[], [boolean, boolean, boolean]]>([
    ['the database alone: blobs checked first and after, orphans tombstoned', all, ['postgres'], all, [true, true, true]],
    ['database and files: no check first (the files come back), blobs checked after', all, ['postgres', 'files'], all, [false, true, true]],
    ['everything', all, all, all, [false, true, true]],
    ['a set without files: nothing to check, later uploads still tombstoned', ['postgres', 'redis'], ['postgres', 'redis'], all, [false, false, true]],
    ['no database restored: the files table is untouched', all, ['redis', 'files'], all, [false, false, false]],
    ['no live uploads folder', all, ['postgres'], ['postgres', 'redis'], [false, false, false]],
  ])('%s', (_what, inSet, restore, live, [blobsOnDiskFirst, judgeBlobsAfter, tombstoneOrphans]) => {
    expect(planRestore({ inSet, restore, live })).toEqual({ blobsOnDiskFirst, judgeBlobsAfter, tombstoneOrphans });
  });
});
