// Proof that the rendered redis.conf is what redis-server accepts and means: start a throwaway
// redis-server with it (port, bind and dir overridden for the probe), CONFIG GET every setting
// back and compare, then remove it all.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REDIS_SERVER, startRedis, type LocalRedis } from '../lib/local-redis.js';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { logTail, normaliseRedisValue, parseConfFile } from './conf-file.js';
import type { ValidationResult } from './types.js';

const NAME = 'redis.conf (real redis-server)';
const PROBE_OVERRIDES = new Set(['port', 'bind', 'dir']);

export async function validateRedisConf(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  const file = path.join(renderedDir, RENDER_PATHS.redisConf);
  if (!existsSync(file)) return { name: NAME, ok: false, details: [`${file} not found — run prodctl render first`] };
  if (!existsSync(REDIS_SERVER)) return { name: NAME, ok: true, skipped: 'redis-server not found — apt-get install -y redis-server', details: [] };
  const wanted = parseConfFile(readFileSync(file, 'utf8'), ' ');
  const root = mkdtempSync(path.join(os.tmpdir(), 'prodctl-validate-redis-'));
  const logFile = path.join(root, 'redis.log');
  let server: LocalRedis | null = null;
  try {
    try {
      server = await startRedis({ dir: root, configFile: file, logFile });
    } catch (err) {
      return { name: NAME, ok: false, details: [`redis-server refused to start with it: ${(err as Error).message}`, ...logTail(logFile)] };
    }
    const details = await compareWithServer(server, wanted);
    return { name: NAME, ok: details.length === 0, details: details.length ? details : [`${wanted.size} settings read back equal from redis-server (profile redis ${plan.profile.redis.version})`] };
  } finally {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function compareWithServer(server: LocalRedis, wanted: Map<string, string>): Promise<string[]> {
  const r = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  await r.connect();
  try {
    const problems: string[] = [];
    for (const [name, value] of wanted) {
      const pair = (await r.config('GET', name)) as string[];
      if (pair.length < 2) {
        problems.push(`${name}: unknown to this redis-server`);
        continue;
      }
      if (PROBE_OVERRIDES.has(name)) continue;
      if (normaliseRedisValue(value) !== normaliseRedisValue(pair[1])) problems.push(`${name}: file says ${value}, server holds ${pair[1]}`);
    }
    return problems;
  } finally {
    r.disconnect();
  }
}

