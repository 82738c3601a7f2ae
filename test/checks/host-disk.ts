// Test support: OPS-104 warns when a data volume has under 20 % free. The test stacks live under
// the host's /tmp, so on a host that full the warning is the right answer, not a fault of the
// stack under test. Tests ask the host first and expect exactly that warning then.
import { diskFree } from '../../checks/live/system-probe.js';

export async function isHostDiskLow(dir: string): Promise<boolean> {
  const d = await diskFree(dir);
  return d !== null && d.freeBytes / d.totalBytes < 0.2;
}

/** Drops OPS-104's warning from a list of results when the host's disk really is that low. */
export function withoutLowDiskWarning<T extends { id: string; status: string }>(results: T[], low: boolean): T[] {
  return low ? results.filter((r) => !(r.id === 'OPS-104' && r.status === 'warn')) : results;
}
