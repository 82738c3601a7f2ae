// How the native target knows a process is ready, and the log tail it shows when it is not.
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HEALTH_PATHS } from '../../contract/index.js';
import { LOOPBACK } from './process-specs.js';
import type { NativePaths } from './supervisor/paths.js';

export type Probe = { kind: 'http'; url: string } | { kind: 'tcp'; port: number };

export async function probeOnce(p: Probe, timeoutMs = 2_000): Promise<boolean> {
  if (p.kind === 'http') {
    return fetch(p.url, { signal: AbortSignal.timeout(timeoutMs) }).then(
      async (r) => {
        await r.arrayBuffer().catch(() => {});
        return r.ok;
      },
      () => false,
    );
  }
  return new Promise((resolve) => {
    const s = net.connect({ host: LOOPBACK, port: p.port }, () => {
      s.destroy();
      resolve(true);
    });
    s.setTimeout(timeoutMs, () => s.destroy());
    s.on('error', () => resolve(false));
    s.on('close', () => resolve(false));
  });
}

/** Polls until ready; false after timeoutMs. */
export async function waitReady(p: Probe, timeoutMs: number, stepMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probeOnce(p)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export const apiProbe = (port: number): Probe => ({ kind: 'http', url: `http://${LOOPBACK}:${port}${HEALTH_PATHS.ready}` });
export const workerProbe = (metricsPort: number): Probe => ({ kind: 'http', url: `http://${LOOPBACK}:${metricsPort}${HEALTH_PATHS.ready}` });

export function logTail(paths: NativePaths, id: string, lines = 30): string[] {
  const file = path.join(paths.logDir, `${id}.log`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
}
