// A restore into a container whose engine refuses the archive part-way (its uploads volume is full)
// must fail with the engine's reason, in bounded time, and leave no blob that looks restored.
// Real engine: a 1 MiB tmpfs-backed volume, and a 6 MiB blob put through the Docker blob access.
import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerBlobAccess } from '../../backup/docker/files-docker.js';
import { createEngine } from '../../engine/engine.js';
import { LABEL } from '../../engine/labels.js';
import { checkEngine, ensureImages } from '../docker/engine-support.js';
import { uniqueName } from '../support/services.js';

const engineHere = await checkEngine();
const docker = createEngine();
const project = uniqueName('bkr').replace(/[^a-z0-9-]/g, '');
const volume = `${project}_uploads`;
const UPLOADS = '/data/uploads';
let containerId: string | undefined;

/** Streams `data` into the sink in 64 KiB pieces, honouring back-pressure; resolves with its sha256. */
async function fillWith(data: Buffer, sink: Writable): Promise<string> {
  for (let i = 0; i < data.length; i += 64 * 1024) {
    if (!sink.write(data.subarray(i, i + 64 * 1024))) await once(sink, 'drain');
  }
  sink.end();
  return createHash('sha256').update(data).digest('hex');
}

describe.skipIf(!engineHere)('Docker restore into a full uploads volume', () => {
  beforeAll(async () => {
    await ensureImages({ runtime: false });
    await docker.createVolume({ Name: volume, Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' }, Labels: { [LABEL.project]: project } });
    const c = await docker.createContainer({
      name: `${project}-api`,
      Image: 'prodctl-local/node:bookworm',
      Entrypoint: ['sleep', 'infinity'],
      Cmd: [],
      Labels: { [LABEL.project]: project, [LABEL.service]: 'api' },
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: UPLOADS }] },
    });
    containerId = c.id;
    await c.start();
  }, 600_000);

  afterAll(async () => {
    if (containerId) await docker.getContainer(containerId).remove({ force: true, v: true }).catch(() => {});
    await docker.getVolume(volume).remove().catch(() => {});
  });

  it('put fails with the engine refusal, in bounded time, and leaves no blob behind', async () => {
    const access = createDockerBlobAccess(docker, containerId!, UPLOADS);
    const data = randomBytes(6 * 1024 * 1024);
    const address = createHash('sha256').update(data).digest('hex');
    const t0 = Date.now();
    const err = await access.put(address, data.length, (sink) => fillWith(data, sink)).then(
      () => new Error('the put succeeded into a 1 MiB volume'),
      (e: unknown) => e as Error,
    );
    expect(err.message).toMatch(/no space left on device/i);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await access.list()).toEqual([]);
  }, 120_000);
});
