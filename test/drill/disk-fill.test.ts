// disk-pressure's arithmetic and its bound, on exact numbers; the fill itself runs in drill-native.test.ts.
import { describe, expect, it } from 'vitest';
import { bytesToFill, checkFillBound, mountPointOf } from '../../cli/drill/disk-fill.js';

describe('disk-pressure fill', () => {
  it('writes exactly what brings avail/size down to the target share, and nothing when it is already there', () => {
    // 1000 blocks of 4 KiB, 900 available: 90 % free. To 5 %: 900·4096 − 0.05·1000·4096 bytes.
    expect(bytesToFill({ bsize: 4096, blocks: 1000, bavail: 900 }, 0.05)).toBe(850 * 4096);
    expect(bytesToFill({ bsize: 4096, blocks: 1000, bavail: 40 }, 0.05)).toBe(0);
  });

  it('finds the mount point holding a folder', () => {
    expect(mountPointOf('/proc/self/fd')).toBe('/proc');
  });

  it('refuses, before writing, a volume that needs more than the bound (the host\'s root disk with 1 MiB)', () => {
    expect(() => checkFillBound('/', 0.05, 1024 * 1024)).toThrow(/^filling \/ to 5\.0 % free needs \d+ MiB, more than --max-fill 1 MiB$/);
  });
});
