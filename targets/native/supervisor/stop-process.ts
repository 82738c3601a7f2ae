// Ordered stop of one process: its stop signal, wait, then SIGKILL of its whole process group
// (every supervised process leads its own group, so helpers it forked go with it).
import { isProcessAlive } from '../../../lib/process-alive.js';

export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Sends `signal`, waits up to timeoutMs for the pid to end, then kills the group. True if it ended by itself. */
export async function stopPid(pid: number, signal: NodeJS.Signals, timeoutMs: number, exited: () => boolean = () => !isProcessAlive(pid)): Promise<boolean> {
  signalProcess(pid, signal);
  const deadline = Date.now() + timeoutMs;
  while (!exited()) {
    if (Date.now() >= deadline) {
      signalGroup(pid, 'SIGKILL');
      const hard = Date.now() + 5_000;
      while (!exited() && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
      return false;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Children that outlived their leader (none expected) go too.
  signalGroup(pid, 'SIGKILL');
  return true;
}
