// The deploy lock: one holder at a time, with holder/host/pid/time recorded so a refused deploy
// can name who holds it. The store is pluggable: a file (native target, state folder) or the
// engine itself (docker target: a named container, created atomically on the engine host).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TargetError } from '../lib/errors.js';
import { isProcessAlive } from '../lib/process-alive.js';
import { describeActor } from './audit.js';

export interface LockInfo {
  holder: string;
  host: string;
  pid: number;
  since: string;
  command: string;
}

export interface LockStore {
  /** Atomically create the lock; returns false when it already exists. */
  create(info: LockInfo): Promise<boolean>;
  read(): Promise<LockInfo | null>;
  remove(): Promise<void>;
  describe(): string;
}

export interface LockState {
  info: LockInfo | null;
  stale: boolean;
}

export function describeSelf(command: string): LockInfo {
  return { holder: describeActor(), host: os.hostname(), pid: process.pid, since: new Date().toISOString(), command };
}

/** A lock is stale when it was taken on this host by a process that no longer exists. */
export function isStale(info: LockInfo, host = os.hostname(), alive: (pid: number) => boolean = isProcessAlive): boolean {
  return info.host === host && !alive(info.pid);
}

export function formatHolder(info: LockInfo): string {
  return `${info.holder}@${info.host} (pid ${info.pid}, ${info.command}, since ${info.since})`;
}

export async function readLockState(store: LockStore): Promise<LockState> {
  const info = await store.read();
  return { info, stale: info ? isStale(info) : false };
}

export interface AcquireOptions {
  waitMs?: number;
  pollMs?: number;
  onStale?: (info: LockInfo) => void;
}

/**
 * Takes the lock or fails fast naming the holder; with waitMs, polls until it is free.
 * A stale lock (its process is gone) is reported through onStale and taken over.
 */
export async function acquireLock(store: LockStore, self: LockInfo, opts: AcquireOptions = {}): Promise<() => Promise<void>> {
  const deadline = Date.now() + (opts.waitMs ?? 0);
  for (;;) {
    if (await store.create(self)) return () => store.remove();
    const held = await store.read();
    if (held && isStale(held)) {
      opts.onStale?.(held);
      await store.remove();
      continue;
    }
    if (!held) continue; // released between create and read
    if (Date.now() >= deadline) {
      throw new TargetError(
        `the deploy lock is held by ${formatHolder(held)} (${store.describe()})`,
        opts.waitMs ? 'it was not released in time; try again later or raise --lock-wait' : 'wait for it to finish, pass --lock-wait 10m, or run `prodctl lock release` if you are sure it is dead',
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(opts.pollMs ?? 1000, Math.max(50, deadline - Date.now()))));
  }
}

/** A lock file in the state folder, created with O_EXCL. */
export function createFileLockStore(stateDir: string): LockStore {
  const file = path.join(stateDir, 'deploy.lock');
  return {
    async create(info) {
      fs.mkdirSync(stateDir, { recursive: true });
      try {
        fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    },
    async read() {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
      } catch {
        return null;
      }
    },
    async remove() {
      fs.rmSync(file, { force: true });
    },
    describe: () => file,
  };
}
