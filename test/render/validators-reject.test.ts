// Each validator does fail on a broken file (so a passing run means something), and names the file.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StackPlan } from '../../plan/types.js';
import { renderAll } from '../../templates/render-all.js';
import { writeRendered } from '../../templates/write-rendered.js';
import { runValidations } from '../../validate/run-validations.js';
import { makeTempDir } from '../support/services.js';
import { planExample } from './load-example.js';

const tmp = makeTempDir('prodctl-render-bad-');
const good = path.join(tmp, 'good');
let plan: StackPlan;
beforeAll(async () => {
  plan = await planExample('medium');
  writeRendered(renderAll(plan), good);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the good render with one file changed. */
function broken(name: string, rel: string, edit: (text: string) => string): string {
  const dir = path.join(tmp, name);
  cpSync(good, dir, { recursive: true });
  writeFileSync(path.join(dir, rel), edit(readFileSync(path.join(dir, rel), 'utf8')));
  return dir;
}

const CASES: { id: string; file: string; edit: (t: string) => string; detail: RegExp }[] = [
  { id: 'compose', file: 'compose.yaml', edit: (t) => t.replace('    read_only: true', '    read_only: true\n    readonly_typo: true'), detail: /compose\.yaml: \/services\/\S+ must NOT have additional properties \(readonly_typo\)/ },
  { id: 'traefik-static', file: 'traefik/traefik.yml', edit: (t) => t.replace('  dashboard: true', '  dashboard: "yes"'), detail: /traefik\/traefik\.yml: \/api\/dashboard must be boolean/ },
  { id: 'traefik-dynamic', file: 'traefik/dynamic.yml', edit: (t) => t.replace('        attempts: 3', '        atempts: 3'), detail: /traefik\/dynamic\.yml/ },
  { id: 'haproxy', file: 'haproxy/haproxy.cfg', edit: (t) => t.replace('balance roundrobin', 'balance roundrobbin'), detail: /haproxy\/haproxy\.cfg:\d+\] : balance only supports/ },
  { id: 'prometheus-config', file: 'prometheus/prometheus.yml', edit: (t) => t.replace('scrape_configs:', 'scrape_configz:'), detail: /scrape_configz/ },
  { id: 'prometheus-rules', file: 'prometheus/rules/api.yml', edit: (t) => t.replace(/expr: /, 'expr: sum(( '), detail: /FAILED|parse error|unclosed/i },
  { id: 'alertmanager-amtool', file: 'alertmanager/alertmanager.yml', edit: (t) => t.replace('receivers:', 'receiverz:'), detail: /receiverz|FAILED/ },
  { id: 'alertmanager-schema', file: 'alertmanager/alertmanager.yml', edit: (t) => t.replace('receivers:', 'receiverz:'), detail: /must NOT have additional properties \(receiverz\)/ },
  { id: 'grafana-dashboards', file: 'grafana/dashboards/prodctl-api.json', edit: (t) => t.replace('"panels": [', '"panels": 7, "x": ['), detail: /prodctl-api\.json: \/dashboard\/panels must be array/ },
  { id: 'k6', file: 'loadtest/mixed.ts', edit: (t) => t.replace('http.file(', 'http.fil('), detail: /fil/ },
];

describe('validators reject broken files', () => {
  it.each(CASES)('$id rejects a broken $file', { timeout: 120_000 }, async (c) => {
    const dir = broken(c.id, c.file, c.edit);
    expect(readFileSync(path.join(dir, c.file), 'utf8')).not.toBe(readFileSync(path.join(good, c.file), 'utf8'));
    const [r] = await runValidations(dir, plan, { only: [c.id] });
    expect(r.ok).toBe(false);
    expect(r.skipped).toBeUndefined();
    expect(r.details.join('\n')).toMatch(c.detail);
  });
});

describe('docker stack config on a swarm render', () => {
  it('rejects what swarm refuses (a top-level name) and accepts the render as is', { timeout: 60_000 }, async () => {
    const swarm = await planExample('large');
    const dir = path.join(tmp, 'swarm');
    writeRendered(renderAll(swarm), dir);
    const [ok] = await runValidations(dir, swarm, { only: ['docker-stack'] });
    expect(ok).toMatchObject({ ok: true, details: ['compose.yaml: accepted by docker stack config'] });
    expect(ok.skipped).toBeUndefined();
    writeFileSync(path.join(dir, 'compose.yaml'), `name: pdfsvc\n${readFileSync(path.join(dir, 'compose.yaml'), 'utf8')}`);
    const [bad] = await runValidations(dir, swarm, { only: ['docker-stack'] });
    expect(bad.ok).toBe(false);
    expect(bad.details.join('\n')).toMatch(/Additional property name is not allowed/);
  });
});
