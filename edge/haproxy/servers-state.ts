// Parses `show servers state <backend>` (format version 1). Pure.
import type { EdgeServer, EdgeServerState } from '../types.js';

export interface HaproxyServerState {
  name: string;
  address: string;
  /** 0 stopped, 1 starting, 2 running, 3 stopping */
  opState: number;
  /** bit field: 0x01|0x02|0x04|0x20|0x40 maintenance, 0x08|0x10 drain */
  adminState: number;
  /** 0 unknown, 1 neutral, 2 failed, 3 passed, 4 passed with conditions */
  checkResult: number;
}

const ADMIN_MAINT = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const ADMIN_DRAIN = 0x08 | 0x10;
const CHECK_PASSED = 3;

export function parseServersState(text: string): HaproxyServerState[] {
  const rows = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  // The first line is the format version.
  return rows
    .slice(rows[0] === '1' ? 1 : 0)
    .map((l) => l.split(/\s+/))
    .filter((f) => f.length >= 19)
    .map((f) => ({ name: f[3], address: `${f[4]}:${f[18]}`, opState: Number(f[5]), adminState: Number(f[6]), checkResult: Number(f[11]) }));
}

/** True when the edge sends new requests to this server: running, not drained or in maintenance,
 *  and its health check has passed at least once (a fresh dynamic server shows "running" before
 *  its first check, so the running state alone does not prove it routes). */
export function isRouting(s: HaproxyServerState): boolean {
  return s.opState === 2 && s.adminState === 0 && s.checkResult >= CHECK_PASSED;
}

export function toEdgeServer(s: HaproxyServerState): EdgeServer {
  let state: EdgeServerState;
  if (s.adminState & ADMIN_MAINT) state = 'maint';
  else if (s.adminState & ADMIN_DRAIN) state = 'drain';
  else if (isRouting(s)) state = 'up';
  else if (s.opState === 2 || s.opState === 1) state = 'starting';
  else state = 'down';
  return { name: s.name, address: s.address, state };
}
