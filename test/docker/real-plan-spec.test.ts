// The Docker target's container bodies built from the REAL pipeline (fixture profile → loadProfile →
// computePlan → renderAll), not a hand-written plan: every limit, user, read-only root, capability
// and network must reach the Engine API body exactly as planned, and every config a container
// mounts must be a file renderAll produced.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../profile/load-profile.js';
import { computePlan } from '../../plan/compute-plan.js';
import { renderAll } from '../../templates/render-all.js';
import { buildContainerSpec } from '../../targets/docker/container-spec.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';

const loaded = await loadProfile({ path: path.join(FIXTURE_DIR, 'prodctl.yaml') });
const plan = computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
const files = renderAll(plan);
const specs = plan.services.map((service) => ({
  service,
  spec: buildContainerSpec({
    project: 'p', service, configDir: '/cfg', secretsDir: '/sec', networkName: (n) => `p_${n}`, volumeName: (v) => `p_${v}`,
    image: service.image, containerName: `p-${service.name}-1`, labels: {}, publish: true,
  }),
}));

describe('container specs from the real small plan (docker target, HAProxy edge, offline images)', () => {
  it('the plan is the small preset on docker with the offline images', () => {
    expect(loaded.preset).toBe('small');
    expect(plan.services.map((s) => s.name)).toEqual(expect.arrayContaining(['postgres', 'redis', 'edge', 'api', 'worker']));
    for (const s of plan.services) expect(s.image, s.name).toMatch(/^prodctl-local\//);
  });

  it.each(plan.services.map((s) => s.name))('%s: limits, user, read-only root, capabilities, security options and networks as planned', (name) => {
    const { service: s, spec } = specs.find((x) => x.service.name === name)!;
    const host = spec.body.HostConfig as Record<string, unknown>;
    expect(host).toMatchObject({
      Memory: s.resources.memoryBytes,
      NanoCpus: Math.round(s.resources.cpus * 1e9),
      PidsLimit: s.resources.pids,
      ReadonlyRootfs: s.readOnlyRootfs,
      CapDrop: s.capDrop,
      SecurityOpt: s.securityOpt,
      Privileged: false,
      NetworkMode: `p_${s.networks[0]}`,
    });
    expect(s.capDrop).toContain('ALL');
    expect(s.securityOpt).toContain('no-new-privileges:true');
    expect(spec.body.User).toBe(s.user || undefined);
    expect(spec.extraNetworks.map((n) => n.name)).toEqual(s.networks.slice(1).map((n) => `p_${n}`));
    // The edge also publishes its runtime API (the admin port) on 127.0.0.1, for deploys.
    expect(Object.keys(host.PortBindings as object).length).toBe(s.published.length + (s.role === 'edge' ? 1 : 0));
  });

  it('every config a container mounts is a rendered file or a folder of rendered files', () => {
    const rendered = files.map((f) => f.path);
    const mounted = plan.services.flatMap((s) => s.configs.map((c) => c.file));
    expect(mounted.length).toBeGreaterThan(0);
    for (const f of mounted) expect(rendered.includes(f) || rendered.some((r) => r.startsWith(`${f}/`)), f).toBe(true);
  });

  it('only the edge publishes ports; postgres and redis are reachable on internal networks only', () => {
    const publishing = specs.filter((x) => Object.keys((x.spec.body.HostConfig as { PortBindings: object }).PortBindings).length > 0).map((x) => x.service.name);
    expect(publishing).toEqual(['edge']);
  });
});
