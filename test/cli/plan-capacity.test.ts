// `prodctl plan --users` through the built CLI: the seed record when the state folder has none,
// the newest valid record otherwise (an invalid one is named and skipped), text and --json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/services.js';
import { ROOT, runCli } from './run-cli.js';

const SMALL = path.join(ROOT, 'examples/small/prodctl.yaml');
const SEED = path.join(ROOT, 'examples/capacity/seed-record.json');

describe('prodctl plan --users', () => {
  it('sizes with the shipped seed record when the state folder has none, and says so', async () => {
    const state = makeTempDir('prodctl-capacity-');
    const r = await runCli(['plan', '-f', SMALL, '--state-dir', state, '--users', '500']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`record: ${SEED}`);
    expect(r.stdout).toContain('the shipped seed record');
    expect(r.stdout).toMatch(/demand: 575 req\/s \(status 525 · upload 25 · job 25\), 25\.0 jobs\/s/);
    expect(r.stdout).toMatch(/^monthly cost: USD \d/m);
  });

  it('uses the newest valid record of the state folder, skips an invalid one by name, and gives the same in --json', async () => {
    const state = makeTempDir('prodctl-capacity-');
    const dir = path.join(state, 'capacity');
    mkdirSync(dir);
    const seed = JSON.parse(readFileSync(SEED, 'utf8'));
    const old = { ...seed, measuredAt: '2026-01-01T00:00:00.000Z', note: 'old' };
    // Status twice as cheap as the seed's: the API load of 500 users must follow it.
    const fresh = { ...seed, measuredAt: '2026-12-01T00:00:00.000Z', machine: { ...seed.machine, hostname: 'fresh-box' }, api: { ...seed.api, status: { ...seed.api.status, perCoreSecond: 2000 } } };
    writeFileSync(path.join(dir, 'a-old.json'), JSON.stringify(old));
    writeFileSync(path.join(dir, 'b-fresh.json'), JSON.stringify(fresh));
    writeFileSync(path.join(dir, 'c-broken.json'), JSON.stringify({ ...seed, measuredAt: '2027-01-01T00:00:00.000Z', version: 9 }));
    const r = await runCli(['plan', '-f', SMALL, '--state-dir', state, '--users', '500', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('c-broken.json: version: expected 1, got 9');
    const out = JSON.parse(r.stdout);
    expect(out.record).toMatchObject({ file: path.join(dir, 'b-fresh.json'), seed: false, source: 'bench', measuredAt: '2026-12-01T00:00:00.000Z' });
    const api = out.sizing.services.find((s: { name: string }) => s.name === 'api');
    const expected = 525 / 2000 + 25 / seed.api.upload.perCoreSecond + 25 / seed.api.job.perCoreSecond;
    expect(api.loadCores).toBe(Math.round(expected * 1000) / 1000);
    expect(out.sizing.demand).toEqual({ users: 500, status: 525, upload: 25, job: 25, jobs: 25, requests: 575 });
  });

  it('refuses a bad number and an unreadable record file (exit 2)', async () => {
    const bad = await runCli(['plan', '-f', SMALL, '--users', '-3']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--users must be a number > 0, got -3');
    const missing = await runCli(['plan', '-f', SMALL, '--rps', '100', '--capacity-record', '/nonexistent/record.json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('cannot use the capacity record /nonexistent/record.json');
  });
});
