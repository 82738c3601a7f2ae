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
    // The image's initdb makes `postgres` the superuser with its own secret; the init script then
    // creates the service's role (no superuser) with the service's secret and gives it the database.
    env: {
      POSTGRES_DB: pg.database,
      POSTGRES_USER: 'postgres',
      POSTGRES_PASSWORD_FILE: secretPath(pg.superuser_password_secret),
      PGDATA: '/var/lib/postgresql/data/pgdata',
    },
    secrets: toSecretMounts([pg.superuser_password_secret, pg.password_secret]),
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
    configs: [
      { file: RENDER_PATHS.postgresConf, target: MOUNT_PATHS.postgresConf },
      { file: RENDER_PATHS.postgresInitRole, target: MOUNT_PATHS.postgresInitRole },
    ],
    // Postgres needs time for a clean shutdown checkpoint; a kill means crash recovery.
    stopGracePeriodSeconds: 60,
  };
}

/** Where the Redis container writes its requirepass line at start (the /tmp tmpfs every service has). */
export const REDIS_AUTH_CONF = '/tmp/redis-auth.conf';

export function planRedis(p: Profile): ServiceDraft {
  const r = p.redis;
  const pw = secretPath(r.password_secret);
  return {
    name: 'redis',
    role: 'stateful',
    image: p.images.redis,
    // The password goes from the secret file into a 0600 config file on the container's tmpfs, by
    // shell builtins only: it is on no command line, in no environment and not in the image's config.
    command: ['sh', '-c', `umask 077 && printf 'requirepass "%s"\\n' "$(cat ${pw})" > ${REDIS_AUTH_CONF} && exec redis-server ${MOUNT_PATHS.redisConf} --include ${REDIS_AUTH_CONF}`],
    user: '999:999',
    resources: r.resources,
    secrets: toSecretMounts([r.password_secret]),
    ports: [{ name: 'redis', port: r.port }],
    healthcheck: {
      // REDISCLI_AUTH: redis-cli takes the password from its environment, not from `-a` on its command line.
      test: ['CMD-SHELL', `REDISCLI_AUTH="$(cat ${pw})" redis-cli -p ${r.port} ping | grep -q PONG`],
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
