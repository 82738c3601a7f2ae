// PID files, one per supervised process: `<pids>/<id>.pid` holding the pid and the argv it was
// started with. After a crash of the supervisor or a reboot a pid file may name a process that is
// gone or, worse, an unrelated process that got the same pid: only a live process whose command
// line still matches is ours.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface PidRecord {
  id: string;
  pid: number;
  argv: string[];
  startedAt: number;
}

export function writePidFile(dir: string, r: PidRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${r.id}.pid`), `${JSON.stringify(r)}\n`);
}

export function removePidFile(dir: string, id: string): void {
  rmSync(path.join(dir, `${id}.pid`), { force: true });
}

export function readPidFiles(dir: string): PidRecord[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pid'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as PidRecord];
      } catch {
        return [{ id: f.slice(0, -4), pid: 0, argv: [], startedAt: 0 }];
      }
    });
}

export function commandLineOf(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // NUL-separated, with a trailing NUL.
    return raw ? raw.replace(/\0$/, '').split('\0') : null;
  } catch {
    return null;
  }
}

/** The process named by the record still runs the exact command it was started with. */
export function isOurs(r: PidRecord): boolean {
  if (!r.pid || r.argv.length === 0) return false;
  const cmd = commandLineOf(r.pid);
  return cmd !== null && cmd.join('\0') === r.argv.join('\0');
}
