import { describe, expect, it } from 'vitest';
import { renderRedisConf } from '../../templates/redis/render-redis-conf.js';
import { loadExamplePlan, settingLines } from './support.js';

describe('renderRedisConf', () => {
  it('renders the medium example exactly, with no password in it', async () => {
    const f = renderRedisConf(await loadExamplePlan('medium'));
    expect(f.path).toBe('redis/redis.conf');
    expect(settingLines(f.content)).toEqual([
      'bind * -::*',
      'protected-mode yes',
      'port 6379',
      'tcp-backlog 511',
      'tcp-keepalive 60',
      'timeout 0',
      'maxmemory 805306368',
      'maxmemory-policy noeviction',
      'appendonly yes',
      'appendfsync everysec',
      'appendfilename "appendonly.aof"',
      'appenddirname "appendonlydir"',
      'aof-use-rdb-preamble yes',
      'auto-aof-rewrite-percentage 100',
      'auto-aof-rewrite-min-size 64mb',
      'no-appendfsync-on-rewrite no',
      'save ""',
      'daemonize no',
      'loglevel notice',
      'logfile ""',
      'databases 16',
      'slowlog-log-slower-than 10000',
      'slowlog-max-len 128',
      'latency-monitor-threshold 100',
      'lazyfree-lazy-user-del yes',
    ]);
    expect(f.content).toContain('# profile (768M); below the 1024MB memory limit');
    expect(f.content).not.toMatch(/^(requirepass|masterauth|user) /m);
  });

  it('takes maxmemory from small and large, below their limits', async () => {
    expect(renderRedisConf(await loadExamplePlan('small')).content).toContain('# profile (192M); below the 256MB memory limit so AOF rewrite forks and buffers fit\nmaxmemory 201326592\n');
    expect(renderRedisConf(await loadExamplePlan('large')).content).toContain('maxmemory 3221225472\n');
  });

  it('is byte-identical on every run', async () => {
    expect(renderRedisConf(await loadExamplePlan('small')).content).toBe(renderRedisConf(await loadExamplePlan('small')).content);
  });
});
