// Postgres and Redis: only on the internal backend network, never published, data in volumes,
// configuration from the rendered postgresql.conf / redis.conf.
import type { Profile } from '../profile/schema.js';
import { toSecretMounts } from './app-services.js';
import { MOUNT_PATHS, RENDER_PATHS, secretPath } from './file-paths.js';
import { tmpfs, volume, type ServiceDraft } from './harden.js';

export function planPostgres(p: Profile): ServiceDraft {
  const pg = p.postgres;
  return {
    name: 'postgres',
    role: 'stateful',
    image: p.images.postgres,
    command: ['postgres', '-c', `config_file=${MOUNT_PATHS.postgresConf}`],
    // uid of the `postgres` account in the Debian-based postgres image
    user: '999:999',
    resources: pg.resources,
    env: {
      POSTGRES_DB: pg.database,
      POSTGRES_USER: pg.user,
      POSTGRES_PASSWORD_FILE: secretPath(pg.password_secret),
      PGDATA: '/var/lib/postgresql/data/pgdata',
    },
    secrets: toSecretMounts([pg.password_secret]),
    ports: [{ name: 'postgres', port: pg.port }],
    healthcheck: {
      test: ['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', String(pg.port), '-U', pg.user, '-d', pg.database],
      intervalSeconds: 5,
      timeoutSeconds: 3,
      retries: 5,
      startPeriodSeconds: 30,
    },
    networks: ['backend'],
    volumes: [volume('pgdata', '/var/lib/postgresql/data'), tmpfs('/var/run/postgresql')],
    configs: [{ file: RENDER_PATHS.postgresConf, target: MOUNT_PATHS.postgresConf }],
    // Postgres needs time for a clean shutdown checkpoint; a kill means crash recovery.
    stopGracePeriodSeconds: 60,
  };
}

export function planRedis(p: Profile): ServiceDraft {
  const r = p.redis;
  const pw = secretPath(r.password_secret);
  return {
    name: 'redis',
    role: 'stateful',
    image: p.images.redis,
    // The password is read from the secret file at start; redis hides --requirepass from its process title.
    command: ['sh', '-c', `exec redis-server ${MOUNT_PATHS.redisConf} --requirepass "$(cat ${pw})"`],
    user: '999:999',
    resources: r.resources,
    secrets: toSecretMounts([r.password_secret]),
    ports: [{ name: 'redis', port: r.port }],
    healthcheck: {
      test: ['CMD-SHELL', `redis-cli -p ${r.port} --no-auth-warning -a "$(cat ${pw})" ping | grep -q PONG`],
      intervalSeconds: 5,
      timeoutSeconds: 3,
      retries: 5,
      startPeriodSeconds: 10,
    },
    networks: ['backend'],
    volumes: [volume('redisdata', '/data')],
    configs: [{ file: RENDER_PATHS.redisConf, target: MOUNT_PATHS.redisConf }],
    stopGracePeriodSeconds: 30,
  };
}
