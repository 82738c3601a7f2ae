// Throwaway Postgres and Redis for verify: real servers in a temp folder, on free ports, removed
// afterwards whatever happens.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initPostgres, startPostgres, type LocalPostgres } from '../lib/local-postgres.js';
import { startRedis, type LocalRedis } from '../lib/local-redis.js';
import { registerSecret } from '../lib/redact.js';
import { chownTree, serviceUser } from '../lib/system-user.js';

export interface Scratch {
  root: string;
  postgres(): Promise<LocalPostgres>;
  redis(rdbDir: string, rdbName: string): Promise<LocalRedis>;
  cleanup(): Promise<void>;
}

export function createScratch(parent = os.tmpdir()): Scratch {
  const root = mkdtempSync(path.join(parent, 'prodctl-verify-'));
  const stops: (() => Promise<void>)[] = [];
  return {
    root,
    async postgres() {
      const pgRoot = path.join(root, 'pg');
      mkdirSync(pgRoot, { recursive: true });
      // initdb and postgres run as the postgres account when we are root: it must own the folders.
      chownTree(root, serviceUser('postgres'));
      const dataDir = path.join(pgRoot, 'data');
      // A password of its own: the restored copy holds the real data, and loopback is open to every local user.
      const password = randomBytes(24).toString('base64url');
      registerSecret(password);
      await initPostgres({ dataDir, password });
      // Scratch data is thrown away: durability settings off make the restore much faster.
      const pg = await startPostgres({ dataDir, password, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_wal_size: '4GB' }, logFile: path.join(root, 'postgres.log') });
      stops.push(() => pg.stop());
      return pg;
    },
    async redis(rdbDir, rdbName) {
      const r = await startRedis({ dir: rdbDir, settings: { dbfilename: rdbName, appendonly: 'no', 'maxmemory-policy': 'noeviction' }, logFile: path.join(root, 'redis.log') });
      stops.push(() => r.stop());
      return r;
    },
    async cleanup() {
      for (const stop of stops.reverse()) await stop().catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
