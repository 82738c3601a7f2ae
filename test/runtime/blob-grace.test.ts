// Lazy blob deletion: DELETE /v1/files/:id removes the row at once but the blob only after
// BLOB_GRACE_MS (profile storage.blob_grace), so a database backup taken before the delete is
// still restorable with its files during the grace; the worker's sweeper removes it afterwards.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBin } from '../../lib/local-postgres.js';
import { createLocalStore } from '../../runtime/core/local-store.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';
import { authed, mintKey, startProcess, startRuntimeStack, uploadPdf, type RuntimeProcess, type RuntimeStack } from './support.js';

const GRACE_MS = 4_000;
let stack: RuntimeStack;
let api: RuntimeProcess;
let worker: RuntimeProcess;
let key: string;
const procs: RuntimeProcess[] = [];

beforeAll(async () => {
  stack = await startRuntimeStack();
  const env = { ...stack.env, BLOB_GRACE_MS: String(GRACE_MS) };
  [api, worker] = await Promise.all([startProcess('api', env), startProcess('worker', env)]);
  procs.push(api, worker);
  key = await mintKey(stack, 'grace');
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await stack?.cleanup();
});

const blobPath = (sha: string) => path.join(stack.env.STORAGE_PATH, 'blobs', sha.slice(0, 2), sha);
const del = (id: string) => fetch(`${api.base}/v1/files/${id}`, { method: 'DELETE', headers: authed(key) });

async function waitUntil(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - t0;
}

function pgArgs(db: string): string[] {
  return ['-h', stack.pg.host, '-p', String(stack.pg.port), '-U', stack.pg.user, '-d', db];
}

describe('blob grace period', () => {
  it('keeps a deleted file restorable from a backup during the grace, then removes the blob', async () => {
    const pdf = await makePdf(2, 'grace-backup');
    const { body: f } = await uploadPdf(api.base, key, pdf);
    const dump = path.join(makeTempDir('prodctl-rt-dump-'), 'before-delete.dump');
    // A real backup of the database, taken before the delete, restored into a second database
    // that a second API serves from the same storage.
    execFileSync(findPgBin('pg_dump'), [...pgArgs(stack.database), '-Fc', '-f', dump]);
    await stack.db.query('CREATE DATABASE restored');
    execFileSync(findPgBin('pg_restore'), [...pgArgs('restored'), dump]);
    const restored = await startProcess('api', { ...stack.env, PGDATABASE: 'restored' });
    procs.push(restored);

    const deletedAt = Date.now();
    expect((await del(f.id)).status).toBe(204);
    expect((await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(key) })).status).toBe(404);
    expect(existsSync(blobPath(f.sha256))).toBe(true); // the row is gone, the blob is not
    // Within the grace, the restored backup still serves the file, byte for byte.
    const res = await fetch(`${restored.base}/v1/files/${f.id}`, { headers: authed(key) });
    expect(Date.now() - deletedAt, 'the restore check must run inside the grace').toBeLessThan(GRACE_MS);
    expect(res.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(f.sha256);

    // After the grace the worker's sweeper removes the blob and its tombstone.
    await waitUntil('blob removed after the grace', () => !existsSync(blobPath(f.sha256)), GRACE_MS + 20_000);
    expect(Date.now() - deletedAt).toBeGreaterThanOrEqual(GRACE_MS);
    // …and from then on the old backup cannot bring it back: that is what the grace is for.
    expect((await fetch(`${restored.base}/v1/files/${f.id}`, { headers: authed(key) })).status).toBeGreaterThanOrEqual(500);
    await restored.stop();
    expect((await stack.db.query('SELECT count(*)::int AS n FROM blob_tombstones WHERE sha256 = $1', [f.sha256])).rows[0].n).toBe(0);
  });

  it('content uploaded again after a delete survives the sweep', async () => {
    const pdf = await makePdf(1, 'grace-again');
    const first = (await uploadPdf(api.base, key, pdf)).body;
    expect((await del(first.id)).status).toBe(204);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM blob_tombstones WHERE sha256 = $1', [first.sha256])).rows[0].n).toBe(1);
    const again = (await uploadPdf(api.base, key, pdf)).body;
    expect(again.sha256).toBe(first.sha256);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM blob_tombstones WHERE sha256 = $1', [first.sha256])).rows[0].n).toBe(0);
    // Another blob deleted at the same time is swept; this one must still be served afterwards.
    const other = (await uploadPdf(api.base, key, await makePdf(1, 'grace-other'))).body;
    expect((await del(other.id)).status).toBe(204);
    await waitUntil('the other blob swept', () => !existsSync(blobPath(other.sha256)), GRACE_MS + 20_000);
    const res = await fetch(`${api.base}/v1/files/${again.id}`, { headers: authed(key) });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true);
  });

  it('deleting one of two rows that share content leaves no tombstone', async () => {
    const pdf = await makePdf(1, 'grace-shared');
    const a = (await uploadPdf(api.base, key, pdf)).body;
    const b = (await uploadPdf(api.base, key, pdf)).body;
    expect((await del(a.id)).status).toBe(204);
    expect((await stack.db.query('SELECT count(*)::int AS n FROM blob_tombstones WHERE sha256 = $1', [a.sha256])).rows[0].n).toBe(0);
    expect((await fetch(`${api.base}/v1/files/${b.id}`, { headers: authed(key) })).status).toBe(200);
  });

  it('the store puts a blob back when it was written again within the fresh window', async () => {
    const store = createLocalStore(makeTempDir('prodctl-rt-store-'));
    const blob = await store.putBuffer(await makePdf(1, 'fresh'));
    expect(await store.removeUnlessFresh(blob.sha256, 60_000)).toBe('fresh');
    expect((await store.read(blob.sha256)).length).toBe(blob.bytes);
    expect(await store.removeUnlessFresh(blob.sha256, 0)).toBe('removed');
    expect(existsSync(store.pathOf(blob.sha256))).toBe(false);
    expect(await store.removeUnlessFresh(blob.sha256, 0)).toBe('missing');
  });
});
