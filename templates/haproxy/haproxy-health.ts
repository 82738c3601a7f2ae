// The edge's health check of the API replicas, derived from api.drain_window. Pure.
//
// What is checked: /livez (the process answers and is not draining), not /readyz. Every replica
// shares one Postgres and one Redis, so a readiness check fails on all of them at once when a
// dependency is away: the edge then has no server and answers every request itself, and after the
// outage it waits `rise` checks before routing again. With liveness the replicas stay in rotation,
// answer their own 503 + Retry-After per request while a dependency is down, and serve again the
// moment it is back. A draining replica fails /livez, so a raw SIGTERM is also seen.
//
// When: a SIGTERM'd replica serves for drain_window and then closes its listener; the edge must
// have stopped routing to it well before, so `inter × fall` is at most half the drain window.
//
// How long a check may wait for its answer is separate (`timeout check`): a draining replica answers
// 503 at once, so the drain is still seen within inter × fall, while a replica that is slow to answer
// on a busy host is not taken for a dead one. With the read timeout equal to `inter` (HAProxy's
// default), a single replica on a loaded host failed two checks in a row and the edge answered 503
// with no server at all.
import { HEALTH_PATHS } from '../../contract/index.js';
import type { Profile } from '../../profile/schema.js';
import { parseDuration } from '../../profile/units.js';

export interface EdgeCheckTimings {
  path: string;
  interMs: number;
  fall: number;
  rise: number;
  /** How long a connected check may wait for its answer. */
  readTimeoutMs: number;
}

const FALL = 2;
const RISE = 1;
/** A live replica answers /livez well within this even on a saturated host. */
const READ_TIMEOUT_MS = 2_000;
/** Checks more often than this cost every replica a request per check for no gain. */
const MIN_INTER_MS = 100;
const MAX_INTER_MS = 2_000;

export function edgeCheckTimings(profile: Pick<Profile, 'api'>): EdgeCheckTimings {
  const drainMs = parseDuration(profile.api.drain_window);
  const inter = Math.floor(drainMs / 2 / FALL);
  return { path: HEALTH_PATHS.live, interMs: Math.max(MIN_INTER_MS, Math.min(MAX_INTER_MS, inter)), fall: FALL, rise: RISE, readTimeoutMs: READ_TIMEOUT_MS };
}

/** How long the edge takes to stop routing to a replica whose check starts failing. */
export function detectionMs(t: Pick<EdgeCheckTimings, 'interMs' | 'fall'>): number {
  return t.interMs * t.fall;
}

/** The arguments of `server`/`default-server`/`add server` that carry the check. */
export function haproxyCheckArgs(t: EdgeCheckTimings): string {
  return `check inter ${t.interMs}ms fall ${t.fall} rise ${t.rise}`;
}
