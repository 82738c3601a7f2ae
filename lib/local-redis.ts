// Adapter: a redis-server from Debian's package in a folder of ours (native target, backup
// verify scratch instances, tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { Redis } from 'ioredis';
import { TargetError } from './errors.js';
import { stopChild } from './local-postgres.js';
import { getFreePort } from './net.js';

export const REDIS_SERVER = '/usr/bin/redis-server';

export interface LocalRedis {
  host: string;
  port: number;
  password?: string;
  dir: string;
  process: ChildProcess;
  url(): string;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  dir: string;
  port?: number;
  host?: string;
  /** A rendered redis.conf; settings below are applied after it. */
  configFile?: string;
  settings?: Record<string, string | number>;
  password?: string;
  logFile?: string;
  detached?: boolean;
}

export async function startRedis(o: StartRedisOptions): Promise<LocalRedis> {
  if (!existsSync(REDIS_SERVER)) throw new TargetError('redis-server not found', 'install it: apt-get install -y redis-server');
  mkdirSync(o.dir, { recursive: true });
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? (await getFreePort(host));
  const args: string[] = [];
  if (o.configFile) args.push(o.configFile);
  args.push('--port', String(port), '--bind', host, '--dir', o.dir, '--daemonize', 'no');
  // Without a rendered file, no RDB snapshots (scratch and test instances); a rendered file decides itself.
  if (!o.configFile) args.push('--save', '');
  if (o.password) args.push('--requirepass', o.password);
  for (const [k, v] of Object.entries(o.settings ?? {})) args.push(`--${k}`, String(v));
  const out = o.logFile ? openSync(o.logFile, 'a') : 'ignore';
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', out, out], detached: Boolean(o.detached) });
  if (o.detached) child.unref();
  const url = () => `redis://${o.password ? `:${encodeURIComponent(o.password)}@` : ''}${host}:${port}`;
  await waitForRedis(host, port, o.password, child);
  return { host, port, password: o.password, dir: o.dir, process: child, url, stop: () => stopChild(child, 'SIGTERM') };
}

async function waitForRedis(host: string, port: number, password: string | undefined, child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  for (;;) {
    if (exited !== null) throw new TargetError(`redis-server exited with code ${exited} while starting`, 'see its log file');
    const r = new Redis({ host, port, password, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    // A refused connection while the server is still starting is expected: without a listener
    // ioredis re-emits it as an unhandled 'error' event.
    r.on('error', () => {});
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      return;
    } catch {
      r.disconnect();
      if (Date.now() > deadline) throw new TargetError(`redis did not answer within ${timeoutMs} ms`, 'see its log file');
      await new Promise((res) => setTimeout(res, 100));
    }
  }
}
