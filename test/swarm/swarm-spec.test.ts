// Exact expectations for the pure parts of the Swarm target: plan → ServiceSpec, the refusal of
// local storage on several nodes, capacity, dependency order, node labels, HAProxy's Swarm config.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../plan/compute-plan.js';
import type { StackPlan } from '../../plan/types.js';
import { loadProfile } from '../../profile/load-profile.js';
import { hashSpec, orderByDependencies } from '../../targets/swarm/apply-swarm.js';
import { namesRegistry } from '../../targets/swarm/node-engines.js';
import { parseNodeLabels } from '../../targets/swarm/node-labels.js';
import { buildServiceSpec, configTargets, SWARM_DEREGISTER_DELAY_MS, type SwarmSpecInput } from '../../targets/swarm/service-spec.js';
import { objectName } from '../../targets/swarm/swarm-objects.js';
import { findOversizedServices, refuseLocalStorageOnManyNodes } from '../../targets/swarm/swarm-rules.js';
import { renderHaproxySwarmConfig, SWARM_RESOLVE_INTERVAL_MS } from '../../templates/swarm/render-haproxy-swarm.js';
import { buildTraefikSwarmLabels, buildTraefikSwarmStatic } from '../../templates/swarm/render-traefik-swarm.js';
import { checkDocuments } from '../../validate/schema-check.js';

const PROFILE = fileURLToPath(new URL('../fixtures/swarm/prodctl.yaml', import.meta.url));

async function planOf(sets: string[] = []): Promise<StackPlan> {
  const loaded = await loadProfile({ path: PROFILE, sets: ['project.name=demo', ...sets] });
  return computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
}

const NS = 1e9;
const input = (plan: StackPlan, name: string, over: Partial<SwarmSpecInput> = {}): SwarmSpecInput => {
  const service = plan.services.find((s) => s.name === name)!;
  return {
    project: 'demo', service, image: 'img:v1', replicas: service.replicas, configs: [],
    secrets: Object.fromEntries(plan.secrets.map((s) => [s.name, { id: `id-${s.name}`, name: `demo_${s.name}_abc` }])),
    pinToData: false, labels: { 'prodctl.version': 'v1' }, monitorSeconds: 15, ...over,
  };
};

describe('plan → Swarm ServiceSpec', () => {
  it('api: replicas, limits and reservations, start-first rolling update rolled back on failure, dnsrr, spread', async () => {
    const plan = await planOf();
    const spec = buildServiceSpec(input(plan, 'api')) as Record<string, any>;
    expect(spec.Name).toBe('demo_api');
    expect(spec.Mode).toEqual({ Replicated: { Replicas: 4 } });
    expect(spec.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 2 * NS, MemoryBytes: 2 ** 30, Pids: 512 }, Reservations: { NanoCPUs: 0.5 * NS, MemoryBytes: 2 ** 29 } });
    expect(spec.UpdateConfig).toEqual({ Parallelism: 1, Delay: 0, FailureAction: 'rollback', Monitor: 15 * NS, MaxFailureRatio: 0, Order: 'start-first' });
    expect(spec.RollbackConfig).toEqual({ Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: 15 * NS, MaxFailureRatio: 0, Order: 'start-first' });
    expect(spec.EndpointSpec).toEqual({ Mode: 'dnsrr', Ports: [] });
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: [], Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }], MaxReplicas: 2 });
    expect(spec.TaskTemplate.RestartPolicy).toEqual({ Condition: 'any', Delay: 5 * NS, MaxAttempts: 0 });
    expect(spec.TaskTemplate.Networks).toEqual([{ Target: 'demo_edge', Aliases: ['api'] }, { Target: 'demo_backend', Aliases: ['api'] }]);
    const c = spec.TaskTemplate.ContainerSpec;
    expect(c).toMatchObject({ Image: 'img:v1', User: '10001:10001', ReadOnly: true, CapabilityDrop: ['ALL'], StopGracePeriod: 45 * NS, StopSignal: 'SIGTERM' });
    // Swarm signals a task it already took out of DNS: the api serves as usual for the
    // deregistration delay (the edge's node may learn of it late), then drains (10 s drain window,
    // 30 s request timeout): the grace period covers all three.
    expect(c.Env).toContain('DEREGISTER_DELAY_MS=5000');
    expect(c.Env).toContain('DRAIN_WINDOW_MS=10000');
    expect(c.Healthcheck).toEqual({ Test: ['CMD', 'node', 'dist/runtime/healthcheck.js'], Interval: 10 * NS, Timeout: 3 * NS, Retries: 3, StartPeriod: 20 * NS });
    expect(c.Mounts).toEqual([
      { Type: 'volume', Source: 'demo_uploads', Target: '/data/uploads', ReadOnly: false, VolumeOptions: { Labels: { 'prodctl.project': 'demo' } } },
      { Type: 'tmpfs', Target: '/tmp' },
    ]);
    expect(c.Secrets).toEqual([
      { File: { Name: 'postgres_password', UID: '10001', GID: '10001', Mode: 0o400 }, SecretID: 'id-postgres_password', SecretName: 'demo_postgres_password_abc' },
      { File: { Name: 'redis_password', UID: '10001', GID: '10001', Mode: 0o400 }, SecretID: 'id-redis_password', SecretName: 'demo_redis_password_abc' },
      { File: { Name: 'api_key_pepper', UID: '10001', GID: '10001', Mode: 0o400 }, SecretID: 'id-api_key_pepper', SecretName: 'demo_api_key_pepper_abc' },
    ]);
  });

  it('workers reach an S3 bucket: with storage.kind s3 they join the edge network too (backend is internal)', async () => {
    const s3 = ['storage.kind=s3', 'storage.s3.endpoint=http://10.0.0.9:7480', 'storage.s3.region=us-east-1', 'storage.s3.bucket=uploads', 'storage.s3.access_key_secret=redis_password', 'storage.s3.secret_key_secret=api_key_pepper'];
    const shared = buildServiceSpec(input(await planOf(s3), 'worker')) as Record<string, any>;
    expect(shared.TaskTemplate.Networks).toEqual([{ Target: 'demo_backend', Aliases: ['worker'] }, { Target: 'demo_edge', Aliases: ['worker'] }]);
    const local = buildServiceSpec(input(await planOf(), 'worker')) as Record<string, any>;
    expect(local.TaskTemplate.Networks).toEqual([{ Target: 'demo_backend', Aliases: ['worker'] }]);
  });

  it('api and worker pinned to the data node while uploads are local: no per-node cap', async () => {
    const plan = await planOf();
    const spec = buildServiceSpec(input(plan, 'worker', { pinToData: true, replicas: 6 })) as Record<string, any>;
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.labels.prodctl.role==data'], Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }] });
    expect(spec.UpdateConfig.Order).toBe('start-first');
    // Workers are not behind the edge: no deregistration delay, their own grace (job timeout + 5 s).
    expect(spec.TaskTemplate.ContainerSpec.Env.some((e: string) => e.startsWith('DEREGISTER_DELAY_MS='))).toBe(false);
    expect(spec.TaskTemplate.ContainerSpec.StopGracePeriod).toBe(plan.services.find((x) => x.name === 'worker')!.stopGracePeriodSeconds * NS);
  });

  it('postgres: stop-first, pinned to role=data, tmpfs as mounts, its config as a Swarm config', async () => {
    const plan = await planOf();
    const ref = { id: 'cfg1', name: 'demo_postgres-postgresql.conf_123' };
    const spec = buildServiceSpec(input(plan, 'postgres', { configs: [{ target: '/etc/postgresql/postgresql.conf', ref }] })) as Record<string, any>;
    expect(spec.UpdateConfig.Order).toBe('stop-first');
    expect(spec.RollbackConfig.Order).toBe('stop-first');
    expect(spec.TaskTemplate.Placement).toEqual({ Constraints: ['node.labels.prodctl.role==data'] });
    expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([
      { Type: 'volume', Source: 'demo_pgdata', Target: '/var/lib/postgresql/data', ReadOnly: false, VolumeOptions: { Labels: { 'prodctl.project': 'demo' } } },
      { Type: 'tmpfs', Target: '/var/run/postgresql' },
      { Type: 'tmpfs', Target: '/tmp' },
    ]);
    expect(spec.TaskTemplate.ContainerSpec.Configs).toEqual([{ File: { Name: '/etc/postgresql/postgresql.conf', UID: '0', GID: '0', Mode: 0o444 }, ConfigID: 'cfg1', ConfigName: ref.name }]);
  });

  it('edge: host-mode published ports; node-exporter: one task per node', async () => {
    const plan = await planOf();
    const edge = buildServiceSpec(input(plan, 'edge')) as Record<string, any>;
    expect(edge.EndpointSpec).toEqual({
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: 8080, PublishedPort: 80, PublishMode: 'host' },
        { Protocol: 'tcp', TargetPort: 8443, PublishedPort: 443, PublishMode: 'host' },
      ],
    });
    const ne = buildServiceSpec(input(plan, 'node-exporter')) as Record<string, any>;
    expect(ne.Mode).toEqual({ Global: {} });
    expect(ne.TaskTemplate.Placement).toEqual({});
  });

  it('a scale is not a rolling update: replicas and release labels stay out of the spec hash', async () => {
    const plan = await planOf();
    const a = buildServiceSpec(input(plan, 'api', { replicas: 2 }));
    const b = buildServiceSpec(input(plan, 'api', { replicas: 2, labels: { 'prodctl.version': 'v9' } }));
    const c = buildServiceSpec(input(plan, 'api', { replicas: 2, image: 'img:v2' }));
    expect(hashSpec(a)).toBe(hashSpec(b));
    expect(hashSpec(a)).not.toBe(hashSpec(c));
    // MaxReplicas follows the count (half, rounded up), so it is part of the spec.
    expect(hashSpec(buildServiceSpec(input(plan, 'worker', { replicas: 6, pinToData: true })))).toBe(hashSpec(buildServiceSpec(input(plan, 'worker', { replicas: 3, pinToData: true }))));
  });
});

describe('Swarm rules', () => {
  it('refuses storage.kind local with more than one node, naming the key and the fix', async () => {
    const plan = await planOf(['host.nodes=3']);
    expect(() => refuseLocalStorageOnManyNodes(plan)).toThrow(
      'storage.kind: local keeps uploads and results on one node\'s disk, but target swarm runs api and worker replicas on host.nodes: 3 nodes',
    );
    try {
      refuseLocalStorageOnManyNodes(plan);
    } catch (err) {
      expect((err as { hint: string }).hint).toBe('set storage.kind: s3 (shared object storage), or host.nodes: 1 to keep api and workers on the node labelled role=data');
    }
    expect(() => refuseLocalStorageOnManyNodes({ ...plan, profile: { ...plan.profile, storage: { ...plan.profile.storage, kind: 's3' } } })).not.toThrow();
    const onOne = await planOf();
    expect(() => refuseLocalStorageOnManyNodes(onOne)).not.toThrow();
  });

  it('names each service whose per-task limits fit no node', async () => {
    const plan = await planOf();
    expect(findOversizedServices(plan, [{ hostname: 'n1', nanoCpus: 2 * NS, memoryBytes: 8 * 2 ** 30 }])).toEqual([
      'postgres: 4 CPUs per task, the largest node has 2',
      'postgres: 12.0 GiB per task, the largest node has 8.0 GiB',
    ]);
  });

  it('orders services so each starts after what it depends on', async () => {
    const plan = await planOf();
    expect(orderByDependencies(plan.services).map((l) => l.map((s) => s.name))).toEqual([
      ['postgres', 'redis', 'alertmanager', 'node-exporter'],
      ['api', 'worker', 'prometheus', 'postgres-exporter', 'redis-exporter'],
      ['edge'],
    ]);
  });

  it('reads node labels, content-hash object names and registry references', () => {
    expect(parseNodeLabels(['role=data', '-zone'])).toEqual({ set: { 'prodctl.role': 'data' }, remove: ['prodctl.zone'] });
    expect(() => parseNodeLabels(['role'])).toThrow('cannot read "role"');
    expect(objectName('demo', 'edge-haproxy.cfg', 'x')).toMatch(/^demo_edge-haproxy\.cfg_[0-9a-f]{12}$/);
    expect(objectName('demo', 'a', 'x')).not.toBe(objectName('demo', 'a', 'y'));
    expect(objectName('p'.repeat(40), 'n'.repeat(40), 'x').length).toBe(64);
    expect(configTargets('prometheus', '/etc/prometheus', ['prometheus/prometheus.yml', 'prometheus/rules/a.yml'])).toEqual([
      { file: 'prometheus/prometheus.yml', target: '/etc/prometheus/prometheus.yml' },
      { file: 'prometheus/rules/a.yml', target: '/etc/prometheus/rules/a.yml' },
    ]);
    expect(namesRegistry('prodctl-local/runtime:test')).toBe(false);
    expect(namesRegistry('registry.example.com/prodctl/runtime:1')).toBe(true);
    expect(namesRegistry('localhost:5000/runtime:1')).toBe(true);
    expect(namesRegistry('postgres:15')).toBe(false);
  });
});

describe('HAProxy on Swarm', () => {
  it('finds the api tasks through Docker DNS with a server-template, no admin-socket servers', async () => {
    const cfg = renderHaproxySwarmConfig(await planOf());
    expect(cfg).toContain('resolvers docker\n  nameserver dns 127.0.0.11:53\n');
    expect(cfg).toMatch(/default-server check[^\n]*\n  server-template api 10 tasks\.api:3000 resolvers docker init-addr none resolve-prefer ipv4\n/);
    expect(cfg.indexOf('resolvers docker')).toBeLessThan(cfg.indexOf('\ndefaults\n'));
    // Asked every 500 ms, and an address an answer lacks is dropped at once: a stopping task
    // leaves the backend well before its deregistration delay ends.
    expect(cfg).toContain('  timeout resolve 500ms\n  timeout retry 500ms\n');
    expect(cfg).toContain('  hold obsolete 0s\n');
    expect(SWARM_RESOLVE_INTERVAL_MS + 2_000).toBeLessThan(SWARM_DEREGISTER_DELAY_MS);
  });
});


describe('Traefik on Swarm', () => {
  it('renders the Swarm provider (valid against the vendored Traefik v3 schema) and the api labels', async () => {
    const plan = await planOf(['edge.kind=traefik', 'project.domains=["pdf.example.com"]']);
    const doc = buildTraefikSwarmStatic(plan);
    expect((doc.providers as Record<string, unknown>).swarm).toEqual({ endpoint: 'unix:///var/run/docker.sock', exposedByDefault: false, network: 'demo_edge', refreshSeconds: '5s', watch: true });
    expect(checkDocuments('traefik swarm static', 'traefik-v3.schema.json', [{ file: 'traefik.yml', doc }])).toMatchObject({ ok: true });
    expect(checkDocuments('bad', 'traefik-v3.schema.json', [{ file: 'traefik.yml', doc: { providers: { swarm: { endpoint: 1, lbswarm: true } } } }]).ok).toBe(false);
    expect(buildTraefikSwarmLabels(plan)).toEqual({
      'traefik.enable': 'true',
      'traefik.swarm.network': 'demo_edge',
      'traefik.swarm.lbswarm': 'false',
      'traefik.http.routers.api-swarm.rule': 'Host(`pdf.example.com`)',
      'traefik.http.routers.api-swarm.entrypoints': 'websecure',
      'traefik.http.routers.api-swarm.tls.certresolver': 'letsencrypt',
      'traefik.http.routers.api-swarm.middlewares': 'security-headers@file,rate-limit@file,retry@file',
      'traefik.http.routers.api-swarm.service': 'api-swarm',
      'traefik.http.services.api-swarm.loadbalancer.server.port': '3000',
    });
  });
});

describe('`prodctl deploy` of a fresh large profile', () => {
  it('is refused up front (exit 2) before any engine is asked, naming storage.kind and the fix', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodctl-swarm-refuse-'));
    try {
      const bin = fileURLToPath(new URL('../../bin/prodctl.js', import.meta.url));
      const init = await execa('node', [bin, 'init', '--preset', 'large', '-y'], { cwd: dir, reject: false });
      expect(init.exitCode, init.stderr).toBe(0);
      // Nothing listens there: the refusal must come before any engine call.
      const r = await execa('node', [bin, 'deploy'], { cwd: dir, reject: false, env: { NO_COLOR: '1', DOCKER_HOST: 'tcp://127.0.0.1:1' } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr.trim()).toBe(
        "error: storage.kind: local keeps uploads and results on one node's disk, but target swarm runs api and worker replicas on host.nodes: 3 nodes — set storage.kind: s3 (shared object storage), or host.nodes: 1 to keep api and workers on the node labelled role=data",
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
