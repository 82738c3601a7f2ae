// Helpers of the native tests: the process table (every stack process carries
// PRODCTL_NATIVE_STACK=<stateDir> in its environment), the CLI, runtime builds, wrk, polling.
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa, type Result } from 'execa';
import { listStackProcesses } from '../../targets/native/process-table.js';

/** Pids of this stack in the process table (see targets/native/process-table.ts for how). */
export function processesOfStack(stateDir: string): number[] {
  return listStackProcesses(stateDir);
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


export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/native');

/** Runs the built CLI (dist/) against a profile and state folder; never throws on exit codes. */
export function prodctl(profile: string, stateDir: string, args: string[], timeoutMs = 180_000, env: Record<string, string> = {}): Promise<Result> {
  return execa(process.execPath, [path.join(ROOT, 'bin/prodctl.js'), '-f', profile, '--state-dir', stateDir, ...args], {
    reject: false,
    timeout: timeoutMs,
    env: { ...process.env, NO_COLOR: '1', ...env },
  }) as Promise<Result>;
}

/** A temp folder Postgres (run as its own account when we are root) can reach. */
export function makeStackDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** Another runtime build folder: this checkout's dist/ and migrations, changed by `change`. */
export function makeBuild(dir: string, change: (build: string) => void): string {
  mkdirSync(path.join(dir, 'runtime'), { recursive: true });
  cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'runtime/migrations'), path.join(dir, 'runtime/migrations'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  change(dir);
  return dir;
}

export function markBuild(build: string, label: string): void {
  appendFileSync(path.join(build, 'dist/runtime/api/main.js'), `\n// ${label}\n`);
}

export function replaceApiMain(build: string, file: string): void {
  writeFileSync(path.join(build, 'dist/runtime/api/main.js'), readFileSync(file, 'utf8'));
}

export interface WrkSummary {
  requests: number;
  seconds: number;
  rps: number;
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
}

/** Parses wrk's summary (the error lines only appear when there were errors). */
export function parseWrk(out: string): WrkSummary {
  const total = /(\d+) requests in ([\d.]+)(m?s)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const non = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (!total || !rps) throw new Error(`not a wrk summary:\n${out}`);
  return {
    requests: Number(total[1]),
    seconds: Number(total[2]) / (total[3] === 'ms' ? 1000 : 1),
    rps: Number(rps[1]),
    non2xx: non ? Number(non[1]) : 0,
    socketErrors: sock ? { connect: Number(sock[1]), read: Number(sock[2]), write: Number(sock[3]), timeout: Number(sock[4]) } : { connect: 0, read: 0, write: 0, timeout: 0 },
  };
}
