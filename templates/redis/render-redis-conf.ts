// redis/redis.conf: the job queue's Redis, tuned from the profile. Pure: plan in, file out.
// The password is NOT in this file: redis.conf cannot read a secret file, so the target writes a
// requirepass file of its own at start and includes it (Docker: a 0600 file on the container's tmpfs,
// plan/data-services.ts; native: the 0600 native/config/redis/redis.conf). The password is on no
// command line, and the rendered folder stays free of secrets.
import { RENDER_PATHS } from '../../plan/file-paths.js';
import type { StackPlan } from '../../plan/types.js';
import { parseSize } from '../../profile/units.js';
import { formatConfLines, type ConfSetting } from '../conf-lines.js';
import type { RenderedFile } from '../types.js';

export function renderRedisConf(plan: StackPlan): RenderedFile {
  const header = [
    `redis.conf for ${plan.project} (preset ${plan.preset}). Rendered by prodctl from the profile;`,
    'edit the profile, not this file. requirepass is given at start from the secret file.',
    'No `dir`: Redis changes into it while parsing; the image starts in its /data volume and the',
    'native target passes --dir.',
  ];
  return { path: RENDER_PATHS.redisConf, content: formatConfLines(header, redisSettings(plan), ' ') };
}

/** Every setting the file holds, in file order (the validator reads each back with CONFIG GET). */
export function redisSettings(plan: StackPlan): ConfSetting[] {
  const r = plan.profile.redis;
  const limit = plan.services.find((s) => s.name === 'redis')?.resources.memoryBytes ?? parseSize(r.resources.memory);
  const maxmemory = parseSize(r.maxmemory);
  return [
    // network: reachable only on the internal backend network; native overrides bind to 127.0.0.1
    { name: 'bind', value: '* -::*', why: 'all interfaces of the container (IPv6 when present); the network is internal' },
    { name: 'protected-mode', value: 'yes', why: 'refuses outside clients should the password ever be missing' },
    { name: 'port', value: String(r.port) },
    { name: 'tcp-backlog', value: '511' },
    { name: 'tcp-keepalive', value: '60', why: 'drop connections of workers that vanished' },
    { name: 'timeout', value: '0', why: 'BullMQ keeps blocking connections open; never close idle clients' },
    // memory
    {
      name: 'maxmemory',
      value: String(maxmemory),
      why: `profile (${r.maxmemory}); below the ${Math.round(limit / 1024 ** 2)}MB memory limit so AOF rewrite forks and buffers fit`,
    },
    { name: 'maxmemory-policy', value: r.maxmemory_policy, why: 'a queue must never lose jobs: refuse writes instead (backpressure)' },
    // persistence: the AOF is the durable copy; backups take an RDB with BGSAVE on demand
    { name: 'appendonly', value: r.appendonly ? 'yes' : 'no' },
    { name: 'appendfsync', value: r.appendfsync, why: 'everysec: at most one second of queue writes lost on a host crash' },
    { name: 'appendfilename', value: '"appendonly.aof"' },
    { name: 'appenddirname', value: '"appendonlydir"' },
    { name: 'aof-use-rdb-preamble', value: 'yes', why: 'fast restarts: the rewritten base is an RDB' },
    { name: 'auto-aof-rewrite-percentage', value: '100' },
    { name: 'auto-aof-rewrite-min-size', value: '64mb' },
    { name: 'no-appendfsync-on-rewrite', value: 'no', why: 'keep fsync during rewrites: durability over latency' },
    { name: 'save', value: '""', why: 'no periodic RDB snapshots on top of the AOF; backup runs BGSAVE itself' },
    // operations
    { name: 'daemonize', value: 'no', why: 'the engine or the native supervisor runs it in the foreground' },
    { name: 'loglevel', value: 'notice' },
    { name: 'logfile', value: '""', why: 'stderr/stdout, collected by the engine or the supervisor' },
    { name: 'databases', value: '16' },
    { name: 'slowlog-log-slower-than', value: '10000', why: 'commands slower than 10 ms' },
    { name: 'slowlog-max-len', value: '128' },
    { name: 'latency-monitor-threshold', value: '100', why: 'LATENCY DOCTOR data for events over 100 ms' },
    { name: 'lazyfree-lazy-user-del', value: 'yes', why: 'big job payloads are freed off the main thread' },
  ];
}
