// Pebble validates HTTP-01 on ONE port per run (pebble-global.ts): a test file whose edge binds
// it holds this lock for its whole run, so two such files (native and docker TLS) never overlap.
// flock(1) holds the lock in a shell that exits when our stdin closes, also if this process dies.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export async function lockPebbleHttpPort(port: number, waitSeconds = 600): Promise<() => void> {
  const file = path.join(os.tmpdir(), `prodctl-pebble-http-${port}.lock`);
  const child = spawn('flock', ['-x', '-w', String(waitSeconds), file, '-c', 'echo locked; read _'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('locked') && resolve());
    child.on('exit', (code) => reject(new Error(`flock ${file}: exit ${code} (waited ${waitSeconds} s)`)));
  });
  return () => child.stdin.end();
}
