// Must-show 1: every artifact of small, medium and large, as rendered, accepted by the real parser
// or the published schema; rendering is deterministic; every file the plan names is written.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderAll } from '../../templates/render-all.js';
import { writeRendered } from '../../templates/write-rendered.js';
import { runValidations, VALIDATOR_IDS } from '../../validate/run-validations.js';
import { makeTempDir } from '../support/services.js';
import { EXAMPLES, planExample } from './load-example.js';

const tmp = makeTempDir('prodctl-render-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(EXAMPLES)('examples/%s rendered', (example) => {
  it('writes every planned file, sorted by path, and nothing twice', async () => {
    const plan = await planExample(example);
    const paths = renderAll(plan).map((f) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(new Set(paths).size).toBe(paths.length);
    for (const f of plan.files) expect(paths).toContain(f);
    for (const f of ['compose.yaml', 'traefik/traefik.yml', 'traefik/dynamic.yml', 'haproxy/haproxy.cfg', 'postgres/postgresql.conf', 'redis/redis.conf', 'prometheus/prometheus.yml', 'alertmanager/alertmanager.yml', 'loadtest/mixed.ts']) {
      expect(paths).toContain(f);
    }
  });

  it('is byte-identical when rendered twice (also from a fresh profile load)', async () => {
    const a = renderAll(await planExample(example));
    const b = renderAll(await planExample(example));
    expect(b.map((f) => [f.path, f.content])).toEqual(a.map((f) => [f.path, f.content]));
    const dirA = path.join(tmp, `${example}-a`);
    const dirB = path.join(tmp, `${example}-b`);
    writeRendered(a, dirA);
    writeRendered(b, dirB);
    for (const f of a) expect(readFileSync(path.join(dirB, f.path)).equals(readFileSync(path.join(dirA, f.path)))).toBe(true);
  });

  it('passes every validation with the real tools (none skipped for a missing program)', { timeout: 120_000 }, async () => {
    const plan = await planExample(example);
    const dir = path.join(tmp, `${example}-validate`);
    writeRendered(renderAll(plan), dir);
    const results = await runValidations(dir, plan);
    expect(results).toHaveLength(VALIDATOR_IDS.length);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.name}: ${r.details.join(' | ')}`);
    expect(failed).toEqual([]);
    // .ci/run installs every program: a skip is only acceptable when the profile turns the feature off.
    const skipped = results.filter((r) => r.skipped).map((r) => `${r.name}: ${r.skipped}`);
    const allowed = [
      ...(plan.target === 'swarm' ? [] : [`compose.yaml (docker stack config): target is ${plan.target}: docker stack config judges swarm stacks only (the compose-spec schema covers this one)`]),
      ...(plan.profile.monitoring.grafana.enabled ? [] : ['grafana dashboards (grafana-dashboard-5.x schema): Grafana is disabled in the profile']),
    ];
    expect(skipped).toEqual(allowed);
    if (example === 'large') expect(plan.target).toBe('swarm');
  });
});
