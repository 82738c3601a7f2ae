// init, schema, plan (and its diff), render and validate as real processes in temp folders.
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProfileJsonSchema } from '../../profile/json-schema.js';
import { loadProfile } from '../../profile/load-profile.js';
import { computePlan } from '../../plan/compute-plan.js';
import { writeLastPlan } from '../../state/last-plan.js';
import { makeTempDir } from '../support/services.js';
import { ROOT, runCli } from './run-cli.js';

const MEDIUM = path.join(ROOT, 'examples/medium/prodctl.yaml');
const SCHEMA_FILE = path.join(ROOT, 'profile/prodctl.schema.json');
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});
async function tempDir(): Promise<string> {
  const dir = makeTempDir('prodctl-cli-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('prodctl schema', () => {
  it('prints exactly the committed profile/prodctl.schema.json, which is what the zod schema generates', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed).toBe(formatProfileJsonSchema());
    const r = await runCli(['schema']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(committed);
  });

  it('--out writes the same schema to a file', async () => {
    const file = path.join(await tempDir(), 'prodctl.schema.json');
    const r = await runCli(['schema', '--out', file]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('is the file the examples reference, and every example validates against it', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')));
    for (const size of ['small', 'medium', 'large']) {
      const file = path.join(ROOT, 'examples', size, 'prodctl.yaml');
      const text = readFileSync(file, 'utf8');
      const ref = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
      expect(ref && path.resolve(path.dirname(file), ref)).toBe(SCHEMA_FILE);
      expect(validate(parse(text)), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(validate({ extends: 'medium', api: { replica: 3 } })).toBe(false);
    expect(validate({ extends: 'medium', api: { replicas: 'two' } })).toBe(false);
  });
});

describe('prodctl init', () => {
  it.each(['small', 'medium', 'large'])('--preset %s writes a profile that loads and plans, with 0600 git-ignored secrets', async (preset) => {
    const dir = await tempDir();
    const r = await runCli(['init', '--preset', preset, '--dir', dir, '--name', 'pdfsvc', '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.preset).toBe(preset);
    const profileText = readFileSync(path.join(dir, 'prodctl.yaml'), 'utf8');
    expect(profileText).toMatch(/^# yaml-language-server: \$schema=\S+prodctl\.schema\.json$/m);
    expect(profileText).toContain(`extends: ${preset}`);
    const ref = /\$schema=(\S+)/.exec(profileText)![1];
    expect(path.resolve(dir, ref)).toBe(SCHEMA_FILE);
    expect(readFileSync(path.join(dir, 'secrets/.gitignore'), 'utf8')).toMatch(/^\*$/m);

    const loaded = await loadProfile({ path: path.join(dir, 'prodctl.yaml') });
    for (const [name, s] of Object.entries(loaded.profile.secrets)) {
      const file = path.resolve(dir, s.file);
      expect(statSync(file).mode & 0o777, name).toBe(0o600);
      if (name !== 'edge_dashboard_users') expect(readFileSync(file, 'utf8').trim(), name).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    }
    const users = readFileSync(path.join(dir, 'secrets/edge_dashboard_users'), 'utf8').trim();
    const password = readFileSync(path.join(dir, 'secrets/edge_dashboard_password'), 'utf8').trim();
    expect(users).toBe(`admin:{SHA}${createHash('sha1').update(password).digest('base64')}`);
    const plan = await runCli(['plan', '-f', path.join(dir, 'prodctl.yaml'), '--json']);
    expect(plan.exitCode).toBe(0);
    expect(JSON.parse(plan.stdout).plan.preset).toBe(preset);
  });

  it('never overwrites without --force (exit 2 with a hint); --force regenerates the secrets', async () => {
    const dir = await tempDir();
    expect((await runCli(['init', '--dir', dir])).exitCode).toBe(0);
    const before = readFileSync(path.join(dir, 'secrets/postgres_password'), 'utf8');
    writeFileSync(path.join(dir, 'prodctl.yaml'), readFileSync(path.join(dir, 'prodctl.yaml'), 'utf8') + '# my edit\n');
    const again = await runCli(['init', '--dir', dir]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toBe(`error: ${path.join(dir, 'prodctl.yaml')} already exists — pass --force to overwrite it (and regenerate every secret), or choose another --dir\n`);
    expect(readFileSync(path.join(dir, 'prodctl.yaml'), 'utf8')).toContain('# my edit');
    expect(readFileSync(path.join(dir, 'secrets/postgres_password'), 'utf8')).toBe(before);
    const forced = await runCli(['init', '--dir', dir, '--force']);
    expect(forced.exitCode).toBe(0);
    expect(readFileSync(path.join(dir, 'prodctl.yaml'), 'utf8')).not.toContain('# my edit');
    expect(readFileSync(path.join(dir, 'secrets/postgres_password'), 'utf8')).not.toBe(before);
  });
});

describe('prodctl plan', () => {
  it('prints a readable summary of services, networks, volumes, secrets and files', async () => {
    const state = await tempDir();
    const r = await runCli(['plan', '-f', MEDIUM, '--state-dir', state]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^stack pdfsvc · preset medium · target docker$/m);
    expect(r.stdout).toMatch(/^SERVICE +REPLICAS +RESOURCES +HEALTHCHECK +NETWORKS +IMAGE$/m);
    expect(r.stdout).toMatch(/^api +2 +1 cpu · 512\.0 MiB · 256 pids +\/readyz +edge,backend +prodctl\/runtime:0\.1\.0$/m);
    expect(r.stdout).toMatch(/^networks: edge, backend \(internal\)$/m);
    expect(r.stdout).toMatch(/^secrets: +api_key_pepper, backup_key, edge_dashboard_users, grafana_admin_password, postgres_password, postgres_superuser_password, redis_password$/m);
    expect(r.stdout).toContain('no applied plan in the state folder: a deploy would create all 12 services');
  });

  it('shows what a deploy would change against the last applied plan', async () => {
    const state = await tempDir();
    const loaded = await loadProfile({ path: MEDIUM });
    writeLastPlan(state, computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir }));
    const same = await runCli(['plan', '-f', MEDIUM, '--state-dir', state]);
    expect(same.stdout).toContain('no changes: the stack matches the last applied plan');

    const changed = await runCli(['plan', '-f', MEDIUM, '--state-dir', state, '--set', 'api.replicas=3', '--set', 'monitoring.grafana.enabled=false', '--json']);
    expect(changed.exitCode).toBe(0);
    const { diff } = JSON.parse(changed.stdout);
    expect(diff.firstDeploy).toBe(false);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual(['grafana']);
    expect(diff.changed.find((c: { service: string }) => c.service === 'api').fields).toContainEqual({ field: 'replicas', from: 2, to: 3 });

    const text = await runCli(['plan', '-f', MEDIUM, '--state-dir', state, '--set', 'api.replicas=3']);
    expect(text.stdout).toMatch(/^a deploy would change:\n {2}~ api\n {6}replicas: 2 → 3$/m);
  });
});

describe('prodctl render', () => {
  it('writes every file of the plan into --out, byte-identical on a second run', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    const plan = JSON.parse((await runCli(['plan', '-f', MEDIUM, '--json'])).stdout).plan;
    const first = await runCli(['render', '-f', MEDIUM, '--out', a, '--json']);
    expect(first.exitCode).toBe(0);
    const listed = JSON.parse(first.stdout).files.map((f: { path: string }) => f.path);
    expect(listed).toEqual([...listed].sort());
    // Every file the plan promises is written (renderers may add more, e.g. alert rule groups).
    for (const f of plan.files) expect(listed).toContain(f);
    expect((await runCli(['render', '-f', MEDIUM, '--out', b])).exitCode).toBe(0);
    for (const f of listed) expect(readFileSync(path.join(b, f)), f).toEqual(readFileSync(path.join(a, f)));
  });

  it('defaults to ./rendered next to the profile', async () => {
    const dir = await tempDir();
    await runCli(['init', '--dir', dir, '--preset', 'small']);
    const r = await runCli(['render'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(existsSync(path.join(dir, 'rendered/compose.yaml'))).toBe(true);
    expect(r.stdout).toMatch(/^\d+ files written to rendered$/m);
  });
});

describe('prodctl validate', () => {
  it('validates the rendered medium example and says which validations were skipped and why', async () => {
    const r = await runCli(['validate', '-f', MEDIUM, '--json']);
    const out = JSON.parse(r.stdout);
    expect(out.results.length).toBeGreaterThan(0);
    for (const res of out.results) if (res.skipped) expect(res.skipped.length).toBeGreaterThan(5);
    expect(r.exitCode).toBe(out.ok ? 0 : 1);
    expect(out.ok, JSON.stringify(out.results.filter((x: { ok: boolean }) => !x.ok))).toBe(true);
  }, 120_000);

  it('--only runs just the named validations; a profile error exits 2 before any of them', async () => {
    const r = await runCli(['validate', '-f', MEDIUM, '--only', 'haproxy']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^profile .*examples\/medium\/prodctl\.yaml: ok \(preset medium, target docker\)$/m);
    expect(r.stdout).toMatch(/^ok {4}haproxy\.cfg \(haproxy -c\)$/m);
    expect(r.stdout).toMatch(/^1 passed, 0 failed, 0 skipped$/m);
    const unknown = await runCli(['validate', '-f', MEDIUM, '--only', 'promtool']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown validation 'promtool' — use one of: compose, .*haproxy.*\n$/);
    const bad = await runCli(['validate', '-f', path.join(ROOT, 'test/fixtures/profile/bad/bad-size.yaml')]);
    expect(bad.exitCode).toBe(2);
    expect(bad.stdout).toBe('');
  });
});

