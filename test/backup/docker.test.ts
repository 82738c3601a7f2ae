// Backups of a stack on the Docker target, on the real engine: Postgres 15 and Redis (AOF on) in
// Debian-based containers built offline, the uploads in a volume of an app container; all found by
// their prodctl labels. Seed → backup (pg_dump in the container, RDB and blobs through the archive
// endpoints) → wipe → restore → identical tables, query results, queued jobs and blob checksums;
// then verify in scratch instances.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../backup/create-backup.js';
import { resolveDockerSources, type DockerStackAccess } from '../../backup/docker/sources-docker.js';
import { execText } from '../../engine/exec.js';
import { createLocalPgTools } from '../../backup/parts/pg-tools.js';
import { readTableSums } from '../../backup/parts/postgres.js';
import { restoreSet } from '../../backup/restore.js';
import type { BackupSources } from '../../backup/sources.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { verifySet } from '../../backup/verify.js';
import { REDIS_KEYS } from '../../contract/index.js';
import { createEngine } from '../../engine/engine.js';
import { LABEL } from '../../engine/labels.js';
import { checkEngine, ensureImages } from '../docker/engine-support.js';
import { makeTempDir, uniqueName } from '../support/services.js';
import { withPg, withRedis } from './clients.js';
import { readQueue, seedStack, snapshotQueries, type Seeded } from './seed.js';

const repo = path.resolve(import.meta.dirname, '../..');
const exampleSecrets = path.join(repo, 'examples/small/example-secrets');
const engineHere = await checkEngine();
const docker = createEngine();
const project = uniqueName('bkd').replace(/[^a-z0-9-]/g, '');
const password = randomBytes(12).toString('hex');
const UPLOADS = '/data/uploads';
const created: { containers: string[]; volumes: string[]; network?: string } = { containers: [], volumes: [] };

async function run(name: string, service: string, body: Docker.ContainerCreateOptions, volume: { name: string; target: string }): Promise<string> {
  await docker.createVolume({ Name: `${project}_${volume.name}`, Labels: { [LABEL.project]: project } });
  created.volumes.push(`${project}_${volume.name}`);
  const c = await docker.createContainer({
    ...body,
    name: `${project}-${name}`,
    Labels: { [LABEL.project]: project, [LABEL.service]: service },
    HostConfig: { NetworkMode: created.network, Mounts: [{ Type: 'volume', Source: `${project}_${volume.name}`, Target: volume.target }] },
  });
  created.containers.push(c.id);
  await c.start();
  return c.id;
}

async function addressOf(id: string): Promise<string> {
  return (await docker.getContainer(id).inspect()).NetworkSettings.Networks[created.network!].IPAddress;
}

async function until<T>(what: string, fn: () => Promise<T>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} not ready: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

describe.skipIf(!engineHere)('backups of a stack on the Docker target', () => {
  let access: DockerStackAccess;
  let sources: BackupSources;
  let seeded: Seeded;
  let pgUrl: string;
  let redisConn: { host: string; port: number; password: string };
  let appId: string;
  let root: string;
  const key = randomBytes(32);
  const opts = { codec: { compression: 'zstd' as const, key }, profileHash: 'docker-test', toolVersion: 'test' };

  beforeAll(async () => {
    await ensureImages({ runtime: false });
    root = makeTempDir('prodctl-backup-docker-');
    created.network = `${project}_backend`;
    // internal, like the plan's backend network: no published port, the host reaches the bridge.
    await docker.createNetwork({ Name: created.network, Driver: 'bridge', Internal: true, Labels: { [LABEL.project]: project } });
    const pgId = await run('postgres', 'postgres', { Image: 'prodctl-local/postgres:bookworm', Cmd: ['postgres'], User: '999:999', Env: ['POSTGRES_USER=app', 'POSTGRES_DB=app', `POSTGRES_PASSWORD=${password}`, 'PGDATA=/var/lib/postgresql/data/pgdata'] }, { name: 'pgdata', target: '/var/lib/postgresql/data' });
    const redisId = await run('redis', 'redis', { Image: 'prodctl-local/redis:bookworm', Cmd: ['redis-server', '--requirepass', password, '--appendonly', 'yes', '--dir', '/data'], User: '999:999' }, { name: 'redisdata', target: '/data' });
    appId = await run('api', 'api', { Image: 'prodctl-local/node:bookworm', Entrypoint: ['sleep', 'infinity'], Cmd: [] }, { name: 'uploads', target: UPLOADS });
    const [pgIp, redisIp] = [await addressOf(pgId), await addressOf(redisId)];
    pgUrl = `postgresql://app:${password}@${pgIp}:5432/app`;
    redisConn = { host: redisIp, port: 6379, password };
    await until('postgres', () => withPg(pgUrl, (c) => c.query('SELECT 1')));
    await until('redis', () => withRedis(redisConn, (r) => r.ping()));
    // Seed through the same paths the runtime uses, then ship the blobs into the volume.
    const localUploads = path.join(root, 'seed-uploads');
    seeded = await seedStack({ pgUrl, redis: redisConn, uploadsDir: localUploads, users: 4, filesPerUser: 5 });
    const tar = execa('tar', ['-C', localUploads, '-c', 'blobs'], { buffer: false });
    await docker.getContainer(appId).putArchive(tar.stdout as Readable as unknown as NodeJS.ReadableStream, { path: UPLOADS });
    await tar;
    access = { docker, project, postgres: { user: 'app', password, database: 'app', port: 5432 }, redis: { password, port: 6379 }, uploadsPath: UPLOADS };
    sources = await resolveDockerSources(access, ['postgres', 'redis', 'files']);
  }, 600_000);

  afterAll(async () => {
    for (const id of created.containers) await docker.getContainer(id).remove({ force: true, v: true }).catch(() => {});
    for (const v of created.volumes) await docker.getVolume(v).remove().catch(() => {});
    if (created.network) await docker.getNetwork(created.network).remove().catch(() => {});
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('finds the containers by their labels and reads the stack through them', async () => {
    expect(sources.postgres!.conn.host).toBe(new URL(pgUrl).hostname);
    expect(sources.files!.access!.where).toBe(`${project}-api:${UPLOADS}`);
    expect(await sources.files!.access!.list()).toEqual(seeded.blobs);
    await expect(resolveDockerSources({ ...access, project: `${project}-none` }, ['postgres'])).rejects.toThrow(/no running postgres container of project/);
  });

  it('backup → wipe → restore brings back identical tables, queries, queued jobs and blobs', async () => {
    const store = createLocalStore(path.join(root, 'backups'));
    const before = { queries: await snapshotQueries(pgUrl), queue: await readQueue(redisConn), sums: await readTableSums(sources.postgres!.conn) };
    expect(before.queue.waiting).toEqual(seeded.queuedJobIds);

    let t0 = Date.now();
    const manifest = await createBackup({ ...opts, store, sources });
    const backupMs = Date.now() - t0;
    expect(manifest.parts.postgres!.serverVersion).toMatch(/^15\./);
    expect(manifest.parts.postgres!.tables).toEqual(before.sums);
    expect(manifest.parts.files!.files.map((b) => b.address)).toEqual(seeded.blobs);
    expect(manifest.parts.redis!.keys.db0.keys).toBeGreaterThan(seeded.queuedJobIds.length);

    // wipe all three
    await withPg(pgUrl, (c) => c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));
    await withRedis(redisConn, (r) => r.flushall());
    expect((await execText(docker, appId, ['rm', '-rf', `${UPLOADS}/blobs`])).exitCode).toBe(0);
    expect(await sources.files!.access!.list()).toEqual([]);

    t0 = Date.now();
    const result = await restoreSet({ store, manifest, key, live: sources, parts: ['postgres', 'redis', 'files'], safety: opts, drainMs: 100 });
    const restoreMs = Date.now() - t0;
    expect(result.files).toEqual({ restored: seeded.blobs.length, present: 0 });

    expect(await snapshotQueries(pgUrl)).toEqual(before.queries);
    expect(await readTableSums(sources.postgres!.conn)).toEqual(before.sums);
    expect(await readQueue(redisConn)).toEqual(before.queue);
    const hashes = await sources.files!.access!.hashAll(seeded.blobs);
    expect([...hashes.keys()].sort()).toEqual(seeded.blobs);
    for (const [address, sha] of hashes) expect(sha).toBe(address);
    // restored blobs belong to the owner of the uploads folder, like the runtime's own
    const owners = await execText(docker, appId, ['sh', '-c', `stat -c %u:%g ${UPLOADS} ${UPLOADS}/blobs/*/* | sort -u`]);
    expect(owners.stdout.trim().split('\n')).toHaveLength(1);
    expect(await withRedis(redisConn, (r) => r.exists(REDIS_KEYS.maintenance))).toBe(0);

    t0 = Date.now();
    const record = await verifySet({ store, manifest, key, pgTools: createLocalPgTools() });
    const verifyMs = Date.now() - t0;
    expect(record.problems).toEqual([]);
    expect(record.checked.blobs).toBe(seeded.blobs.length);
    // Few blobs take the one-by-one path (the bulk archive is for many): two lost blobs come back alone.
    const lost = seeded.blobs.slice(0, 2);
    expect((await execText(docker, appId, ['rm', ...lost.map((a) => `${UPLOADS}/blobs/${a.slice(0, 2)}/${a}`)])).exitCode).toBe(0);
    const again = await restoreSet({ store, manifest, key, live: sources, parts: ['files'], safety: null, drainMs: 0 });
    expect(again.files).toEqual({ restored: 2, present: seeded.blobs.length - 2 });
    expect([...(await sources.files!.access!.hashAll(lost)).entries()]).toEqual(lost.map((a) => [a, a]));
    expect(await sources.files!.access!.list()).toEqual(seeded.blobs);

    const stored = [manifest.parts.postgres!, manifest.parts.redis!, manifest.parts.files!].flatMap((p) => p.files).reduce((a, f) => a + f.bytes, 0);
    console.log(`MEASURED docker stack (${seeded.blobs.length} blobs): backup ${backupMs} ms, restore ${restoreMs} ms (incl. safety backup), verify ${verifyMs} ms, stored ${stored} bytes`);
  });

  it('the CLI backs up and restores the Docker stack from the profile alone', async () => {
    const dir = path.join(root, 'cli');
    mkdirSync(path.join(dir, 'secrets'), { recursive: true });
    copyFileSync(path.join(repo, 'test/fixtures/backup/prodctl-docker.yaml'), path.join(dir, 'prodctl.yaml'));
    for (const s of readdirSync(exampleSecrets).filter((f) => f !== 'README.md')) copyFileSync(path.join(exampleSecrets, s), path.join(dir, 'secrets', s));
    for (const s of ['postgres_password', 'redis_password']) writeFileSync(path.join(dir, 'secrets', s), password);
    writeFileSync(path.join(dir, 'secrets/backup_key'), randomBytes(32).toString('hex'), { mode: 0o600 });
    const cli = (args: string[]) => execa('node', [path.join(repo, 'bin/prodctl.js'), '-f', path.join(dir, 'prodctl.yaml'), '--state-dir', path.join(dir, 'state'), '--set', `project.name=${project}`, '--json', ...args], { env: { NO_COLOR: '1' } });
    const summary = JSON.parse((await cli(['backup'])).stdout);
    expect(summary).toMatchObject({ parts: ['postgres', 'files', 'redis'], blobs: seeded.blobs.length, encrypted: true, store: path.join(dir, 'backups-cli') });
    expect(summary.verify.ok).toBe(true);
    const before = await snapshotQueries(pgUrl);
    await withPg(pgUrl, (c) => c.query('DELETE FROM audit'));
    const restored = JSON.parse((await cli(['--yes', 'restore', summary.id, '--parts', 'db', '--drain-ms', '0'])).stdout);
    expect(restored).toMatchObject({ setId: summary.id, parts: ['postgres'] });
    expect(await snapshotQueries(pgUrl)).toEqual(before);

    // The schedule runs the same command: the in-process loop (or the rendered timer) backs up the Docker stack.
    const loop = await cli(['backup', 'schedule', '--run-loop', '--cron', '*/5 * * * * *', '--once']);
    const scheduled = JSON.parse(loop.stdout);
    expect(scheduled).toMatchObject({ parts: ['postgres', 'files', 'redis'], blobs: seeded.blobs.length, newBlobs: 0 });
    expect(scheduled.verify.ok).toBe(true);
    const rendered = JSON.parse((await cli(['backup', 'schedule', '--prodctl-bin', '/usr/local/bin/prodctl'])).stdout);
    expect(readFileSync(rendered.files.service, 'utf8')).toMatch(/^Wants=docker\.service$/m);
    expect(readFileSync(rendered.files.service, 'utf8')).toContain(`--set project.name=${project} backup --json`);
  });
});
