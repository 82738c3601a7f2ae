// Issue #26, defect 9 and the Docker password items, on the real engine with the REAL small plan
// (test/fixtures/docker/prodctl.yaml, one API replica): what anyone who can run `docker inspect`
// or read a container's logs sees, and what the service's own credentials may do.
// - no secret value in any container's Cmd, Entrypoint, Env or Healthcheck, nor on the command
//   line of any process in the Redis, exporter and Postgres containers, nor in the environment of
//   their main process;
// - the service role (made by the rendered init script) is no superuser, cannot COPY … FROM
//   PROGRAM, and its password does not open the superuser; the superuser has its own secret;
// - the Postgres container's log shows the init script ran, and holds no secret;
// - the Redis exporter still scrapes Redis with the password from its file (redis_up 1).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { getFreePort } from '../../lib/net.js';
import { listServiceContainers, readLogTail } from '../../targets/docker/containers.js';
import { createDockerTarget } from '../../targets/docker/docker-target.js';
import { createEngine } from '../../engine/engine.js';
import { execText } from '../../engine/exec.js';
import type { TargetContext } from '../../targets/types.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';
import { checkEngine, ensureImages } from './engine-support.js';
import { loadRealStack } from './real-stack-support.js';

const engineHere = await checkEngine();
const docker = createEngine();
const project = `pla${Date.now().toString(36)}`;
// The images the fixture names are prodctl-local/*; PRODCTL_IMAGE_PREFIX builds and uses others.
const PREFIX = process.env.PRODCTL_IMAGE_PREFIX ?? 'prodctl-local';
const IMAGE_OF: Record<string, string> = { api: 'runtime:test', worker: 'runtime:test', postgres: 'postgres:bookworm', redis: 'redis:bookworm', edge: 'haproxy:bookworm', prometheus: 'prometheus:bookworm', alertmanager: 'alertmanager:bookworm', postgres_exporter: 'postgres-exporter:bookworm', redis_exporter: 'redis-exporter:bookworm', node_exporter: 'node-exporter:bookworm' };

const SECRETS_DIR = path.join(FIXTURE_DIR, 'secrets');
const secret = (name: string) => readFileSync(path.join(SECRETS_DIR, name), 'utf8').trim();
const allSecrets = () => readdirSync(SECRETS_DIR).map((n) => [n, secret(n)] as const);

describe.skipIf(!engineHere)('docker target: passwords only in files; the service role is no superuser', () => {
  let ctx: TargetContext;
  const target = engineHere ? createDockerTarget('docker') : (undefined as never);
  const first = async (service: string) => (await listServiceContainers(docker, project, service)).filter((c) => c.State === 'running')[0];
  const sh = async (service: string, script: string) => execText(docker, (await first(service)).Id, ['sh', '-c', script]);

  beforeAll(async () => {
    await ensureImages({ runtime: true });
    const images = PREFIX === 'prodctl-local' ? [] : [...Object.entries(IMAGE_OF).map(([k, v]) => `images.${k}=${PREFIX}/${v}`), `slo.probes.image=${PREFIX}/blackbox-exporter:bookworm`];
    const sets = [`project.name=${project}`, `edge.http_port=${await getFreePort()}`, `edge.https_port=${await getFreePort()}`, 'edge.bind=127.0.0.1', 'api.replicas=1', ...images];
    const stateDir = makeTempDir('prodctl-local-access-');
    const renderedDir = path.join(stateDir, 'rendered');
    ctx = { plan: await loadRealStack(renderedDir, sets), renderedDir, stateDir, log: createLogger({ quiet: true }), yes: true };
    const t0 = Date.now();
    const r = await target.deploy(ctx, { version: 'v1', build: `${PREFIX}/runtime:test` });
    console.log(`MEASURED small plan deployed for the local-access checks in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(r.outcome).toBe('applied');
    expect(r.changes).toContain('migrations: applied');
  }, 900_000);

  afterAll(async () => {
    if (ctx) await target.down(ctx, { volumes: true });
  }, 180_000);

  it('docker inspect shows no secret in any container\'s Cmd, Entrypoint, Env or Healthcheck', async () => {
    const all = await listServiceContainers(docker, project);
    expect(all.length).toBeGreaterThanOrEqual(10);
    const leaks: string[] = [];
    for (const c of all) {
      const info = await docker.getContainer(c.Id).inspect();
      const seen = JSON.stringify([info.Path, info.Args, info.Config.Cmd, info.Config.Entrypoint, info.Config.Env, info.Config.Healthcheck]);
      for (const [name, value] of allSecrets()) if (seen.includes(value)) leaks.push(`${c.Names[0]}: ${name}`);
    }
    expect(leaks).toEqual([]);
  });

  it('no process in the Redis, exporter or Postgres containers has a password on its command line; their main process has none in its environment', async () => {
    const values = allSecrets().map(([, v]) => v);
    for (const service of ['redis', 'redis-exporter', 'postgres', 'postgres-exporter']) {
      const r = await sh(service, 'for p in /proc/[0-9]*; do tr "\\0" " " < $p/cmdline 2>/dev/null; echo; done; echo ENV; tr "\\0" "\\n" < /proc/1/environ');
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout, service).toMatch(/ENV/);
      for (const v of values) expect(r.stdout.includes(v), `${service} shows a secret`).toBe(false);
    }
    // The redis password is where it belongs: in the 0600 file redis-server includes.
    const auth = await sh('redis', 'stat -c %a /tmp/redis-auth.conf && REDISCLI_AUTH="$(cat /run/secrets/redis_password)" redis-cli CONFIG GET requirepass | tail -1');
    expect(auth.stdout.trim().split('\n')).toEqual(['600', secret('redis_password')]);
  });

  it('the Redis exporter scrapes Redis with the password from its file', async () => {
    const r = await sh('redis-exporter', 'stat -c %a /tmp/redis-passwords.json; wget -qO- http://127.0.0.1:9121/metrics | grep "^redis_up "');
    expect(r.stdout.trim().split('\n')).toEqual(['600', 'redis_up 1']);
  });

  it('the service role is no superuser and cannot run programs; its password does not open the superuser, whose own secret does', async () => {
    const pg = ctx.plan.profile.postgres;
    const psql = (secretName: string, user: string, db: string, sql: string) =>
      sh('postgres', `PGPASSWORD="$(cat /run/secrets/${secretName})" psql -h 127.0.0.1 -U ${user} -d ${db} -w -v ON_ERROR_STOP=1 -Atc "${sql}"`);
    const me = await psql(pg.password_secret, pg.user, pg.database, 'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user');
    expect([me.exitCode, me.stdout.trim()], me.stderr).toEqual([0, 'f|f|f']);
    const owner = await psql(pg.password_secret, pg.user, pg.database, `SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '${pg.database}'`);
    expect(owner.stdout.trim()).toBe(pg.user);
    const copy = await psql(pg.password_secret, pg.user, pg.database, "CREATE TEMP TABLE t (l text); COPY t FROM PROGRAM 'id'");
    expect(copy.exitCode).not.toBe(0);
    expect(copy.stderr).toMatch(/must be superuser or have privileges of the pg_execute_server_program role/);
    const superWithAppPassword = await psql(pg.password_secret, 'postgres', 'postgres', 'SELECT 1');
    expect(superWithAppPassword.exitCode).not.toBe(0);
    expect(superWithAppPassword.stderr).toMatch(/password authentication failed for user "postgres"/);
    const superuser = await psql(pg.superuser_password_secret, 'postgres', 'postgres', 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user');
    expect([superuser.exitCode, superuser.stdout.trim()], superuser.stderr).toEqual([0, 't']);
    // The socket is no way around it: not trusted, not even inside the container for another role.
    const bySocket = await sh('postgres', `psql -h /var/run/postgresql -U ${pg.user} -d ${pg.database} -w -Atc 'SELECT 1'`);
    expect(bySocket.exitCode).not.toBe(0);
  });

  it('the Postgres log shows the init script ran, and holds no secret', async () => {
    const log = (await readLogTail(docker, (await first('postgres')).Id, 100_000)).join('\n');
    expect(log).toContain('running /docker-entrypoint-initdb.d/10-service-role.sh');
    for (const [name, value] of allSecrets()) expect(log.includes(value), `postgres log holds ${name}`).toBe(false);
    expect(log).not.toMatch(/PASSWORD\s+'/i);
  });
});
