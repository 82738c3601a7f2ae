// Helpers of the native tests: the process table (every stack process carries
// PRODCTL_NATIVE_STACK=<stateDir> in its environment) and polling.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of live processes whose environment names this stack's state folder. */
export function processesOfStack(stateDir: string): number[] {
  const needle = `PRODCTL_NATIVE_STACK=${stateDir}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // zombies hold no resources and run nothing
      if (`${readFileSync(`/proc/${entry}/environ`, 'utf8')}\0`.includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids.sort((a, b) => a - b);
}

export async function waitUntil<T>(fn: () => T | Promise<T>, timeoutMs: number, stepMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${fn.toString().slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
