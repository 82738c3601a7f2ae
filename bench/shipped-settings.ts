// The Postgres and Redis settings that decide what a write costs, as prodctl renders them for
// examples/small, for benches that charge the data stores' CPU to what they measure.
import { sharedAppEnv } from '../plan/app-services.js';
import { computePlan } from '../plan/compute-plan.js';
import { loadProfile } from '../profile/load-profile.js';
import { ENV } from '../contract/index.js';
import { postgresSettings } from '../templates/postgres/render-postgresql-conf.js';
import { redisSettings } from '../templates/redis/render-redis-conf.js';

/**
 * What prodctl renders for the example small profile, for the settings that decide what a write
 * costs: Postgres flushes its WAL at every commit (the test stack's fsync=off is turned back on)
 * and Redis appends every write to its AOF. The bench charges both servers' CPU to the worker, so
 * it must not run them cheaper than a deployed stack does. Memory, network and logging settings
 * stay the test harness's own.
 */
export async function loadShippedSettings(): Promise<{ workerLogLevel: string; pg: Record<string, string>; redis: Record<string, string> }> {
  const loaded = await loadProfile({ path: new URL('../examples/small/prodctl.yaml', import.meta.url).pathname });
  const plan = computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
  const pick = (all: { name: string; value: string }[], names: string[]) =>
    Object.fromEntries(all.filter((s) => names.includes(s.name)).map((s) => [s.name, s.value.replace(/^'(.*)'$/, '$1')]));
  return {
    workerLogLevel: sharedAppEnv(loaded.profile, 'worker', 'bench')[ENV.logLevel],
    pg: {
      fsync: 'on',
      ...pick(postgresSettings(plan), ['synchronous_commit', 'wal_level', 'wal_compression', 'max_wal_size', 'min_wal_size', 'checkpoint_timeout', 'checkpoint_completion_target', 'shared_buffers']),
    },
    redis: pick(redisSettings(plan), ['appendonly', 'appendfsync', 'aof-use-rdb-preamble', 'auto-aof-rewrite-percentage', 'auto-aof-rewrite-min-size', 'no-appendfsync-on-rewrite', 'lazyfree-lazy-user-del']),
  };
}
