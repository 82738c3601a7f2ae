// The `disk-pressure` drill's fault: a bounded scratch file on the stack's data volume, written until
// the volume's free share is below the disk alert's threshold, and removed for the recovery.
import { statSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../lib/errors.js';

export interface VolumeSpace {
  bsize: number;
  blocks: number;
  bavail: number;
}

export interface DiskFill {
  file: string;
  mountpoint: string;
  bytes: number;
  freeRatioBefore: number;
  freeRatioDuring: number;
}

const MIB = 1024 * 1024;
const freeRatio = (s: VolumeSpace) => s.bavail / s.blocks;

/** Bytes to write so the free share (node_filesystem_avail / size) drops to `targetFreeRatio`. Pure. */
export function bytesToFill(s: VolumeSpace, targetFreeRatio: number): number {
  return Math.max(0, Math.ceil(s.bavail * s.bsize - targetFreeRatio * s.blocks * s.bsize));
}

/** The mount point holding `dir` (the label node-exporter gives its filesystem). */
export function mountPointOf(dir: string): string {
  let at = path.resolve(dir);
  while (at !== path.dirname(at) && statSync(path.dirname(at)).dev === statSync(at).dev) at = path.dirname(at);
  return at;
}

/** The bytes the fill needs now; refuses (before anything is written) when more than `maxBytes`. */
export function checkFillBound(dir: string, targetFreeRatio: number, maxBytes: number): number {
  const bytes = bytesToFill(statfsSync(dir), targetFreeRatio);
  if (bytes > maxBytes) {
    throw new UsageError(
      `filling ${dir} to ${(targetFreeRatio * 100).toFixed(1)} % free needs ${Math.ceil(bytes / MIB)} MiB, more than --max-fill ${Math.floor(maxBytes / MIB)} MiB`,
      'rehearse on a stack whose data folder is a small volume of its own, or raise --max-fill',
    );
  }
  return bytes;
}

/** Writes the scratch file (within the bound, checked again now) and returns what it did. */
export async function fillVolume(dir: string, targetFreeRatio: number, maxBytes: number): Promise<DiskFill> {
  const before = statfsSync(dir);
  const bytes = checkFillBound(dir, targetFreeRatio, maxBytes);
  const file = path.join(dir, `prodctl-drill-scratch-${Date.now()}`);
  const fh = await open(file, 'wx', 0o600);
  const chunk = Buffer.alloc(8 * MIB);
  try {
    for (let left = bytes; left > 0; ) left -= (await fh.write(chunk, 0, Math.min(chunk.length, left))).bytesWritten;
    await fh.sync();
  } catch (e) {
    await rm(file, { force: true });
    throw e;
  } finally {
    await fh.close();
  }
  return { file, mountpoint: mountPointOf(dir), bytes, freeRatioBefore: freeRatio(before), freeRatioDuring: freeRatio(statfsSync(dir)) };
}

export async function removeFill(fill: DiskFill): Promise<void> {
  await rm(fill.file, { force: true });
}
