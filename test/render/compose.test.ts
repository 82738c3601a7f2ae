// compose.yaml details, exactly: hardening on every service, data services private, secrets as files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { escapeInterpolation, renderCompose } from '../../templates/compose/render-compose.js';
import { formatDockerSize } from '../../templates/compose/compose-service.js';
import { planExample } from './load-example.js';

type Doc = { services: Record<string, Record<string, any>>; secrets: Record<string, { file: string }>; networks: Record<string, Record<string, unknown>>; configs: Record<string, { file: string }> };

async function composeOf(example: string, sets: string[] = []) {
  const plan = await planExample(example, sets);
  const file = renderCompose(plan);
  return { plan, text: file.content, doc: parse(file.content) as Doc };
}

describe('compose.yaml', () => {
  it('hardens every service: limits, cap_drop ALL, no-new-privileges, read-only with tmpfs, non-root, log rotation, pinned image', async () => {
    const { plan, doc } = await composeOf('medium');
    expect(Object.keys(doc.services).sort()).toEqual(plan.services.map((s) => s.name).sort());
    for (const s of plan.services) {
      const c = doc.services[s.name];
      expect(c.cap_drop, s.name).toEqual(['ALL']);
      expect(c.security_opt, s.name).toEqual(['no-new-privileges:true']);
      expect(c.read_only, s.name).toBe(true);
      expect(c.tmpfs, s.name).toContain('/tmp');
      expect(c.user, s.name).toMatch(/^[1-9]\d*:\d+$/);
      expect(c.restart, s.name).toBe('unless-stopped');
      expect(c.logging, s.name).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } });
      expect(c.deploy.resources.limits, s.name).toEqual({ cpus: String(s.resources.cpus), memory: formatDockerSize(s.resources.memoryBytes), pids: s.resources.pids });
      expect(c.deploy.replicas, s.name).toBe(s.replicas);
      expect(c.image, s.name).toMatch(/:[^:/]+$/);
      expect(c.image, s.name).not.toMatch(/:latest$/);
      if (s.healthcheck) expect(c.healthcheck.test, s.name).toEqual(escapeInterpolation(s.healthcheck.test));
      else expect(c.healthcheck, s.name).toBeUndefined();
      expect(c.privileged, s.name).toBeUndefined();
    }
    expect(doc.services.api.deploy.replicas).toBe(plan.profile.api.replicas);
  });

  it('keeps Postgres and Redis unpublished and only on the internal backend network', async () => {
    const { doc } = await composeOf('medium');
    expect(doc.networks.backend).toEqual({ driver: 'bridge', internal: true });
    for (const name of ['postgres', 'redis']) {
      expect(doc.services[name].ports).toBeUndefined();
      expect(doc.services[name].networks).toEqual(['backend']);
    }
    const published = Object.entries(doc.services).filter(([, s]) => s.ports).map(([n]) => n);
    expect(published).toEqual(['edge']);
    expect(doc.services.edge.ports).toEqual([
      { host_ip: '0.0.0.0', protocol: 'tcp', published: 80, target: 8080 },
      { host_ip: '0.0.0.0', protocol: 'tcp', published: 443, target: 8443 },
    ]);
  });

  it('passes secrets as files only: top-level secrets by path, *_FILE env, no secret value anywhere', async () => {
    const { plan, doc, text } = await composeOf('medium');
    expect(Object.keys(doc.secrets).sort()).toEqual(plan.secrets.map((s) => s.name).sort());
    for (const s of plan.secrets) {
      expect(doc.secrets[s.name]).toEqual({ file: s.file });
      const value = readFileSync(s.file, 'utf8').trim();
      for (const line of value.split('\n')) expect(text).not.toContain(line.trim());
    }
    expect(doc.services.api.secrets).toEqual([
      { source: 'postgres_password', target: '/run/secrets/postgres_password' },
      { source: 'redis_password', target: '/run/secrets/redis_password' },
      { source: 'api_key_pepper', target: '/run/secrets/api_key_pepper' },
    ]);
    for (const [name, s] of Object.entries(doc.services)) {
      for (const key of Object.keys(s.environment ?? {})) expect(`${name}.${key}`).not.toMatch(/(PASSWORD|SECRET|PEPPER|TOKEN)$/);
    }
  });

  it('mounts rendered files as configs and rendered folders read-only; postgres waits for nothing, api for healthy data services', async () => {
    const { doc } = await composeOf('medium');
    expect(doc.configs.postgres_postgresql_conf).toEqual({ file: './postgres/postgresql.conf' });
    expect(doc.services.postgres.configs).toEqual([
      { source: 'postgres_postgresql_conf', target: '/etc/postgresql/postgresql.conf' },
      { source: 'postgres_initdb_10_service_role_sh', target: '/docker-entrypoint-initdb.d/10-service-role.sh' },
    ]);
    expect(doc.services.edge.configs).toEqual([
      { source: 'traefik_traefik_yml', target: '/etc/traefik/traefik.yml' },
      { source: 'traefik_dynamic_yml', target: '/etc/traefik/dynamic.yml' },
    ]);
    expect(doc.services.prometheus.volumes).toContainEqual({ type: 'bind', source: './prometheus', target: '/etc/prometheus', read_only: true });
    expect(doc.services.api.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
    expect(doc.services.postgres.depends_on).toBeUndefined();
  });

  it('on swarm uses deploy keys: dnsrr endpoints, restart policy, host-mode ports, overlay networks; no compose-only keys', async () => {
    const { doc } = await composeOf('medium', ['target=swarm', 'edge.kind=traefik']);
    expect(doc.networks.backend).toEqual({ driver: 'overlay', internal: true, attachable: true });
    for (const [name, s] of Object.entries(doc.services)) {
      expect(s.deploy.endpoint_mode, name).toBe('dnsrr');
      expect(s.deploy.restart_policy, name).toEqual({ condition: 'any', delay: '5s', window: '60s' });
      expect(s.restart, name).toBeUndefined();
      expect(s.depends_on, name).toBeUndefined();
    }
    expect(doc.services.api.deploy.update_config.order).toBe('start-first');
    expect(doc.services.postgres.deploy.update_config.order).toBe('stop-first');
    expect(doc.services.edge.ports).toEqual([
      { mode: 'host', protocol: 'tcp', published: 80, target: 8080 },
      { mode: 'host', protocol: 'tcp', published: 443, target: 8443 },
    ]);
    expect((doc as unknown as { name?: string }).name).toBeUndefined();
  });

  it("escapes $ for compose interpolation, so the container's shell gets $(cat …) unchanged", async () => {
    const { doc, text } = await composeOf('medium');
    // The password goes into a 0600 file by shell builtins: on no command line (redis-server's included).
    expect(doc.services.redis.command[2]).toBe('umask 077 && printf \'requirepass "%s"\\n\' "$$(cat /run/secrets/redis_password)" > /tmp/redis-auth.conf && exec redis-server /usr/local/etc/redis/redis.conf --include /tmp/redis-auth.conf');
    expect(text).not.toMatch(/(^|[^$])\$\(/m);
    expect((doc as unknown as { name: string }).name).toBe('pdfsvc');
  });

  it('formats Docker sizes exactly', () => {
    expect(formatDockerSize(512 * 1024 ** 2)).toBe('512M');
    expect(formatDockerSize(2 * 1024 ** 3)).toBe('2G');
    expect(formatDockerSize(1536 * 1024)).toBe('1572864b');
  });
});
