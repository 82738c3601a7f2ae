// Exact expectations for the pure parts of the Docker target and the state modules.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScaleCounts } from '../../cli/run-scale.js';
import { acquireLock, createFileLockStore, describeSelf, isStale, readLockState } from '../../state/lock.js';
import { findPreviousGood, makeReleaseId, selectVersionsToKeep, type ReleaseRecord } from '../../state/releases.js';
import { appendAudit, readAudit } from '../../state/audit.js';
import { buildContainerSpec, secretTarget } from '../../targets/docker/container-spec.js';
import { parseEngineAddress } from '../../engine/engine-options.js';
import { demuxLogs } from '../../targets/docker/containers.js';
import { isIgnored } from '../../targets/docker/build-image.js';
import { buildFixturePlan } from '../fixtures/docker/stack-plan.js';
import { makeTempDir } from '../support/services.js';

describe('engine address from DOCKER_HOST', () => {
  it('reads unix, tcp, tcp+TLS and ssh', () => {
    expect(parseEngineAddress({})).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(parseEngineAddress({ DOCKER_HOST: 'unix:///run/user/docker.sock' })).toEqual({ kind: 'unix', socketPath: '/run/user/docker.sock' });
    expect(parseEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 2375, tls: null });
    expect(parseEngineAddress({ DOCKER_HOST: 'tcp://h:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' })).toEqual({ kind: 'tcp', host: 'h', port: 2376, tls: { certPath: '/certs', verify: true } });
    expect(parseEngineAddress({ DOCKER_HOST: 'ssh://deploy@prod-1' })).toEqual({ kind: 'ssh', host: 'prod-1', port: 22, username: 'deploy' });
    expect(() => parseEngineAddress({ DOCKER_HOST: 'ftp://x' })).toThrow(/not supported/);
  });
});

describe('container spec', () => {
  const plan = buildFixturePlan({ project: 'demo', httpPort: 18080, adminPort: 19999, appImage: 'app:v1' });
  const api = plan.services.find((s) => s.name === 'api')!;
  const spec = buildContainerSpec({
    project: 'demo', service: api, configDir: '/state/configs/api-x', secretsDir: '/state/secrets', networkName: (n) => `demo_${n}`, volumeName: (v) => `demo_${v}`,
    image: 'app:v2', containerName: 'demo-api-1', labels: { 'prodctl.version': 'v2' }, publish: true,
  });
  it('copies limits, user, read-only root, capabilities and security options exactly', () => {
    const host = spec.body.HostConfig as Record<string, unknown>;
    expect(host).toMatchObject({ Memory: 268435456, NanoCpus: 1e9, PidsLimit: 128, ReadonlyRootfs: true, CapDrop: ['ALL'], CapAdd: undefined, SecurityOpt: ['no-new-privileges:true'], Privileged: false, NetworkMode: 'demo_backend' });
    expect(host.Mounts).toEqual([{ Type: 'bind', Source: '/state/secrets/api_key_pepper', Target: '/run/secrets/api_key_pepper', ReadOnly: true }]);
    // Owned by the service's user, so it stays writable when the engine restarts the container.
    expect(host.Tmpfs).toEqual({ '/tmp': 'uid=10001,gid=10001' });
    expect(spec.body).toMatchObject({ Image: 'app:v2', User: '10001:10001', StopSignal: 'SIGTERM', StopTimeout: 10 });
    expect((spec.body.Healthcheck as { Interval: number }).Interval).toBe(1e9);
  });
  it('resolves secret targets under /run/secrets', () => {
    expect(secretTarget('', 'pg')).toBe('/run/secrets/pg');
    expect(secretTarget('pg_password', 'pg')).toBe('/run/secrets/pg_password');
    expect(secretTarget('/etc/x', 'pg')).toBe('/etc/x');
  });
});

describe('engine logs', () => {
  it('demultiplexes engine log frames', () => {
    const frame = (s: number, t: string) => Buffer.concat([Buffer.from([s, 0, 0, 0, 0, 0, 0, Buffer.byteLength(t)]), Buffer.from(t)]);
    expect(demuxLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
  });
});

describe('releases, lock, audit, scale and build context', () => {
  const rel = (version: string, outcome: ReleaseRecord['outcome']): ReleaseRecord => ({ id: version, version, image: `app:${version}`, imageId: `sha256:${version}`, planHash: 'p', who: 'ci', host: 'h', startedAt: '', durationMs: 1, outcome, kind: 'deploy' });
  it('finds the previous good release and the images to keep', () => {
    const history = [rel('v1', 'applied'), rel('v2', 'applied'), rel('v3', 'rolled-back'), rel('v2', 'applied')];
    expect(findPreviousGood(history)?.version).toBe('v1');
    expect(selectVersionsToKeep([...history, rel('v4', 'applied')], 2)).toEqual(['v4', 'v2']);
    expect(makeReleaseId(new Date('2026-11-28T16:00:01.123Z'), 'v2')).toBe('20261128T160001Z-v2');
  });
  it('fails fast naming the holder, and takes over a stale lock', async () => {
    const dir = makeTempDir();
    const store = createFileLockStore(dir);
    const release = await acquireLock(store, { ...describeSelf('deploy'), holder: 'alice' });
    await expect(acquireLock(store, describeSelf('deploy'))).rejects.toThrow(/held by alice@.*pid \d+, deploy/);
    await release();
    fs.writeFileSync(path.join(dir, 'deploy.lock'), JSON.stringify({ ...describeSelf('deploy'), pid: 2 ** 22 + 7 }));
    expect((await readLockState(store)).stale).toBe(true);
    const stale: number[] = [];
    const again = await acquireLock(store, describeSelf('deploy'), { onStale: (i) => stale.push(i.pid) });
    expect(stale).toEqual([2 ** 22 + 7]);
    await again();
    expect(isStale({ ...describeSelf('x'), host: 'elsewhere', pid: 2 ** 22 + 7 })).toBe(false);
  });
  it('appends one JSON line per command', () => {
    const dir = makeTempDir();
    appendAudit(dir, { command: 'deploy', args: ['v1'], outcome: 'ok', durationMs: 5 });
    appendAudit(dir, { command: 'scale', args: ['api=3'], outcome: 'failed', durationMs: 7 });
    expect(readAudit(dir).map((a) => [a.command, a.outcome])).toEqual([['deploy', 'ok'], ['scale', 'failed']]);
  });
  it('parses scale counts', () => {
    expect(parseScaleCounts(['api=3', 'workers=5'], ['api', 'worker'])).toEqual({ api: 3, worker: 5 });
    expect(() => parseScaleCounts(['db=2'], ['api', 'worker'])).toThrow(/unknown service/);
    expect(() => parseScaleCounts(['api:2'], ['api'])).toThrow(/cannot read "api:2"/);
  });
  it('ignores .git and .dockerignore prefixes in the build context', () => {
    expect(isIgnored('.git/HEAD', ['.git'])).toBe(true);
    expect(isIgnored('node_modules/x', ['node_modules'])).toBe(true);
    expect(isIgnored('runtime/Dockerfile', ['node_modules'])).toBe(false);
  });
});
