// `prodctl lock status|release` and `prodctl releases` through the built CLI, against the lock
// container on the real engine (the project name comes from the docker fixture profile).
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { describeSelf } from '../../state/lock.js';
import { recordRelease } from '../../state/releases.js';
import { createEngine } from '../../engine/engine.js';
import { createEngineLockStore } from '../../targets/docker/engine-lock.js';
import { FIXTURE_DIR } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';
import { checkEngine, ensureImages } from './engine-support.js';

const engineHere = await checkEngine();
const BIN = path.resolve(FIXTURE_DIR, '../../../bin/prodctl.js');
const stateDir = makeTempDir('prodctl-lock-cli-');
const cli = (...args: string[]) => execa('node', [BIN, ...args, '-f', path.join(FIXTURE_DIR, 'prodctl.yaml'), '--state-dir', stateDir], { reject: false, env: { NO_COLOR: '1' } });

describe.skipIf(!engineHere)('prodctl lock and releases (CLI, real engine)', () => {
  // The profile's project (the small preset's) names the lock container.
  const store = createEngineLockStore(createEngine(), 'pdfsvc', async () => 'prodctl-local/node:bookworm');
  afterAll(() => store.remove());

  it('shows the holder, refuses to release a live lock without --yes, releases it with --yes and audits it', async () => {
    await ensureImages({ runtime: false });
    await store.remove();
    expect((await cli('lock', 'status')).stdout).toBe('free');
    await store.create({ ...describeSelf('deploy'), holder: 'alice' });
    const held = await cli('lock', 'status');
    expect(held.exitCode).toBe(1);
    expect(held.stdout).toMatch(/^held by alice@.* \(pid \d+, deploy, since /);
    const refused = await cli('lock', 'release');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/held by alice@.*pass --yes/);
    const released = await cli('lock', 'release', '--yes');
    expect(released.exitCode).toBe(0);
    expect((await cli('lock', 'status')).stdout).toBe('free');
    const audit = fs.readFileSync(path.join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.map((a) => [a.command, a.outcome])).toEqual([['lock release', 'ok']]);
  }, 900_000);

  it('lists releases newest first, as a table and as JSON', async () => {
    const base = { image: 'app:v1', imageId: 'sha256:0123456789abcdef', planHash: 'abcdef0123', who: 'ci', host: 'h', startedAt: '', durationMs: 1500, kind: 'deploy' as const };
    recordRelease(stateDir, { ...base, id: 'r1', version: 'v1', outcome: 'applied' });
    recordRelease(stateDir, { ...base, id: 'r2', version: 'v2', outcome: 'rolled-back', reason: 'unhealthy' });
    const table = await cli('releases');
    expect(table.stdout.split('\n').map((l) => l.split(/\s+/).slice(0, 4).join(' '))).toEqual(['RELEASE VERSION KIND OUTCOME', 'r2 v2 deploy rolled-back', 'r1 v1 deploy applied']);
    const json = JSON.parse((await cli('releases', '--json')).stdout) as { version: string }[];
    expect(json.map((r) => r.version)).toEqual(['v2', 'v1']);
  });
});
