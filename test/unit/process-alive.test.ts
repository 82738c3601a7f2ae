// The one liveness check of a pid, against real processes.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../lib/process-alive.js';

describe('isProcessAlive', () => {
  it('is true for a running process and false once it has exited', async () => {
    expect(isProcessAlive(process.pid)).toBe(true);
    expect(isProcessAlive(1)).toBe(true);
    const child = spawn('sleep', ['30']);
    const pid = child.pid!;
    expect(isProcessAlive(pid)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(isProcessAlive(pid)).toBe(false);
  });
});
