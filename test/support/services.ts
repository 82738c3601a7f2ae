// Throwaway Postgres and Redis for tests: real servers from Debian's binaries, on free ports,
// in fresh temp folders that are removed afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { initPostgres, startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { startRedis, type LocalRedis } from '../../lib/local-redis.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';

export function makeTempDir(prefix = 'prodctl-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestPostgres extends LocalPostgres {
  cleanup(): Promise<void>;
}

export async function startTestPostgres(settings: Record<string, string | number> = {}): Promise<TestPostgres> {
  const root = makeTempDir('prodctl-pg-');
  chownTree(root, serviceUser('postgres'));
  const dataDir = path.join(root, 'data');
  await initPostgres({ dataDir });
  const pg = await startPostgres({ dataDir, settings: { fsync: 'off', max_connections: 200, ...settings }, logFile: path.join(root, 'postgres.log') });
  return {
    ...pg,
    async cleanup() {
      await pg.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Creates an empty database on the server; returns its connection string. */
export async function createDatabase(server: LocalPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.connectionString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return server.connectionString(name);
}

export interface TestRedis extends LocalRedis {
  cleanup(): Promise<void>;
}

export async function startTestRedis(settings: Record<string, string | number> = {}): Promise<TestRedis> {
  const root = makeTempDir('prodctl-redis-');
  const r = await startRedis({ dir: root, settings: { 'maxmemory-policy': 'noeviction', appendonly: 'no', ...settings }, logFile: path.join(root, 'redis.log') });
  return {
    ...r,
    async cleanup() {
      await r.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A unique name for a queue, database or container in one test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
