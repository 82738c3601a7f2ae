// Shared by the Docker e2e tests: is an engine here (and must it be), the offline base images,
// reading wrk's totals.
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { createEngine, pingEngine } from '../../engine/engine.js';

export const REQUIRE_DOCKER = process.env.PRODCTL_REQUIRE_DOCKER === '1';

/** Skips when no engine answers, unless PRODCTL_REQUIRE_DOCKER=1 (CI): then the suite fails. */
export async function checkEngine(): Promise<boolean> {
  const ok = await pingEngine(createEngine()).catch(() => false);
  if (!ok && REQUIRE_DOCKER) throw new Error('no Docker engine answers and PRODCTL_REQUIRE_DOCKER=1 — start it with scripts/start-dockerd.sh');
  if (!ok) console.warn('SKIPPED: Docker e2e tests — no Docker engine answers at DOCKER_HOST or /var/run/docker.sock');
  return ok;
}

/**
 * Builds (or reuses) the offline images; the script keys them by content hashes. Serialised with
 * flock: test files run in parallel and must not debootstrap the same image twice.
 */
export async function ensureImages(opts: { runtime: boolean }): Promise<void> {
  const lock = path.join(os.tmpdir(), 'prodctl-build-images.lock');
  await execa('flock', [lock, 'node', 'scripts/build-images.mjs', ...(opts.runtime ? [] : ['--no-runtime'])], { stdio: 'inherit' });
}

export interface WrkResult {
  requests: number;
  seconds: number;
  non2xx: number;
  socketErrors: number;
  ratePerSecond: number;
  latency: string;
}

export function parseWrk(out: string): WrkResult {
  const m = /(\d+) requests in ([\d.]+)(ms|s|m)/.exec(out);
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  const seconds = Number(m[2]) * (m[3] === 'ms' ? 0.001 : m[3] === 'm' ? 60 : 1);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const latency = /Latency\s+(.*)/.exec(out)?.[1].trim().replace(/\s+/g, ' ') ?? '';
  return { requests: Number(m[1]), seconds, non2xx, socketErrors, ratePerSecond: Number(m[1]) / seconds, latency };
}
