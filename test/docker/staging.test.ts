// Exact expectations for what the Docker target does to the real plan before the engine sees it:
// config folders staged file by file, the edge's runtime API opened on TCP in the staged haproxy.cfg
// and published on loopback only, and the one-off migration command.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computePlan } from '../../plan/compute-plan.js';
import { loadProfile } from '../../profile/load-profile.js';
import { renderAll } from '../../templates/render-all.js';
import { writeRendered } from '../../templates/write-rendered.js';
import { RUNTIME_MIGRATE_COMMAND, selectMigrateCommand } from '../../targets/docker/apply-stack.js';
import { buildContainerSpec } from '../../targets/docker/container-spec.js';
import { listRenderedFiles, prepareConfig, stageFiles } from '../../targets/docker/stage-files.js';
import { silentLogger } from '../../lib/log.js';
import { selectTarget } from '../../targets/select-target.js';
import { selectVolumeOwners } from '../../targets/docker/volume-owner.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';

const loaded = await loadProfile({ path: path.join(FIXTURE_DIR, 'prodctl.yaml'), sets: ['project.name=stagetest'] });
const plan = computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
const service = (name: string) => plan.services.find((s) => s.name === name)!;

describe('staging the real plan for the engine', () => {
  const renderedDir = makeTempDir('prodctl-stage-r-');
  writeRendered(renderAll(plan), renderedDir);

  it('a config folder is staged as every file in it, sorted', () => {
    const prom = service('prometheus').configs[0].file;
    const files = listRenderedFiles(renderedDir, prom, 'prometheus');
    expect(files).toContain(`${prom}/prometheus.yml`);
    expect(files).toEqual([...files].sort());
    expect(files.every((f) => f.startsWith(`${prom}/`) && fs.statSync(path.join(renderedDir, f)).isFile())).toBe(true);
    expect(() => listRenderedFiles(renderedDir, 'nope/x.conf', 'api')).toThrow(/api: rendered file nope\/x.conf is missing/);
  });

  it('the staged haproxy.cfg opens the runtime API on the admin port; every other file is byte for byte', () => {
    const edge = service('edge');
    const file = edge.configs[0].file;
    const raw = fs.readFileSync(path.join(renderedDir, file));
    expect(raw.toString()).not.toMatch(/stats socket ipv4@/);
    const staged = prepareConfig(edge, file, raw).toString();
    expect(staged.split('\n').slice(0, staged.split('\n').indexOf('global') + 2).at(-1)).toMatch(/^ {2}stats socket ipv4@0\.0\.0\.0:8081 level admin {2}#/);
    expect(staged.replace(/^ {2}stats socket ipv4@.*\n/m, '')).toBe(raw.toString());
    // Already open (a hand-written config): untouched.
    const own = Buffer.from('global\n  stats socket ipv4@0.0.0.0:9999 level admin\n');
    expect(prepareConfig(edge, file, own)).toBe(own);
    const pgConf = fs.readFileSync(path.join(renderedDir, service('postgres').configs[0].file));
    expect(prepareConfig(service('postgres'), service('postgres').configs[0].file, pgConf)).toBe(pgConf);
  });

  it('stages into content-addressed folders; an unchanged plan hashes the same', () => {
    const stateDir = makeTempDir('prodctl-stage-s-');
    const a = stageFiles(plan, renderedDir, stateDir, {});
    const b = stageFiles(plan, renderedDir, stateDir, {});
    expect(b.configHash).toEqual(a.configHash);
    expect(fs.readFileSync(path.join(a.configDir.edge, service('edge').configs[0].file), 'utf8')).toMatch(/stats socket ipv4@0\.0\.0\.0:8081/);
    expect(fs.existsSync(path.join(a.configDir.prometheus, service('prometheus').configs[0].file, 'prometheus.yml'))).toBe(true);
    const c = stageFiles(plan, renderedDir, stateDir, { api: 'other:v2' });
    expect(c.configHash.api).not.toBe(a.configHash.api);
    expect(c.configHash.postgres).toBe(a.configHash.postgres);
  });

  it('the edge publishes its admin port on 127.0.0.1 only, on a port the engine picks', () => {
    const edge = service('edge');
    const spec = buildContainerSpec({
      project: 'p', service: edge, configDir: '/c', secretsDir: '/s', networkName: (n) => `p_${n}`, volumeName: (v) => `p_${v}`,
      image: edge.image, containerName: 'p-edge-1', labels: {}, publish: true,
    });
    const bindings = (spec.body.HostConfig as { PortBindings: Record<string, unknown> }).PortBindings;
    expect(bindings['8081/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: '' }]);
    expect(Object.keys(bindings).sort()).toEqual(['8080/tcp', '8081/tcp', '8443/tcp']);
    const api = service('api');
    const apiSpec = buildContainerSpec({ ...{ project: 'p', configDir: '/c', secretsDir: '/s', networkName: (n: string) => n, volumeName: (v: string) => v, labels: {} }, service: api, image: api.image, containerName: 'a', publish: true });
    expect((apiSpec.body.HostConfig as { PortBindings: object }).PortBindings).toEqual({});
  });

  it('migrations run the runtime migrator for the prodctl runtime, a labelled command otherwise, nothing for other apps', () => {
    const api = service('api');
    expect(selectMigrateCommand(api)).toBe(RUNTIME_MIGRATE_COMMAND);
    expect(RUNTIME_MIGRATE_COMMAND.slice(0, 3)).toEqual(['node', '--input-type=module', '-e']);
    expect(RUNTIME_MIGRATE_COMMAND[3]).toContain("runMigrations(pool, { dir: cfg.migrationsDir, lockTimeoutMs: 60000 })");
    expect(selectMigrateCommand({ ...api, labels: { 'prodctl.migrate-command': '["./migrate","up"]' } })).toEqual(['./migrate', 'up']);
    expect(selectMigrateCommand({ ...api, env: {} })).toBeUndefined();
  });

  it('target swarm (profile or --target) selects the swarm target, without asking any engine yet', async () => {
    for (const [p, override] of [[{ ...plan, target: 'swarm' as const }, undefined], [plan, 'swarm']] as const) {
      const t = await selectTarget(p, silentLogger, override);
      expect(t.kind).toBe('swarm');
    }
  });

  it('each fresh volume goes to the numeric user of the first service that writes to it; read-only mounts give none', () => {
    expect(selectVolumeOwners(plan, plan.volumes, (s) => `img-${s.name}`)).toEqual([
      { volume: 'alertmanager-data', user: '65534:65534', image: 'img-alertmanager', target: '/alertmanager' },
      { volume: 'pgdata', user: '999:999', image: 'img-postgres', target: '/var/lib/postgresql/data' },
      { volume: 'prometheus-data', user: '65534:65534', image: 'img-prometheus', target: '/prometheus' },
      { volume: 'redisdata', user: '999:999', image: 'img-redis', target: '/data' },
      { volume: 'uploads', user: '10001:10001', image: 'img-api', target: '/data/uploads' },
    ]);
    expect(selectVolumeOwners(plan, ['node-textfile'], (s) => s.image)).toEqual([]);
    const root = { ...plan, services: plan.services.map((s) => ({ ...s, user: s.name === 'api' ? '0:0' : s.name === 'worker' ? 'app' : s.user })) };
    expect(selectVolumeOwners(root, ['uploads'], (s) => s.image)).toEqual([]);
  });
});
