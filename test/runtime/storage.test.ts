// The local blob store on a real temp folder: small uploads are kept in memory and written once,
// large ones spill to the temp file; both land under their sha256, and a refused upload leaves
// nothing behind in tmp/.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { staleTempMs } from '../../runtime/core/blob-sweeper.js';
import { createLocalStore } from '../../runtime/core/local-store.js';
import { KEEP_IN_MEMORY_BYTES, TooLargeError } from '../../runtime/core/storage.js';
import { makeTempDir } from '../support/services.js';

const root = makeTempDir('prodctl-store-');
const store = createLocalStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** A request-like stream: the body in chunks of 64 KiB, as a socket delivers it. */
const chunked = (b: Buffer) => Readable.from((function* () {
  for (let i = 0; i < b.length; i += 65_536) yield b.subarray(i, i + 65_536);
})());
const tmpLeft = () => readdirSync(path.join(root, 'tmp'));

describe('local blob store', () => {
  it('keeps a small upload in memory, in a buffer of its own, and stores it under its sha256', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);
    const blob = await store.put(chunked(body), 2 * KEEP_IN_MEMORY_BYTES);
    expect(blob.sha256).toBe(sha(body));
    expect(blob.bytes).toBe(body.length);
    expect(blob.head.equals(body.subarray(0, 1024))).toBe(true);
    expect(Buffer.from(blob.content!).equals(body)).toBe(true);
    // Its own ArrayBuffer, exactly its size: safe to transfer to a thread.
    expect(blob.content!.buffer.byteLength).toBe(body.length);
    expect(readFileSync(store.pathOf(blob.sha256)).equals(body)).toBe(true);
    expect(tmpLeft()).toEqual([]);
  });

  it('spills an upload larger than KEEP_IN_MEMORY_BYTES to the temp file and returns no content', async () => {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(KEEP_IN_MEMORY_BYTES + 300_000)]);
    const blob = await store.put(chunked(body), 4 * KEEP_IN_MEMORY_BYTES);
    expect(blob.sha256).toBe(sha(body));
    expect(blob.bytes).toBe(body.length);
    expect(blob.content).toBeUndefined();
    expect(readFileSync(store.pathOf(blob.sha256)).equals(body)).toBe(true);
    expect(tmpLeft()).toEqual([]);
  });

  it('an upload over the limit fails with TooLargeError and leaves no temp file, in memory or spilled', async () => {
    for (const size of [50_000, 3 * KEEP_IN_MEMORY_BYTES]) {
      const limit = size - 1_000;
      await expect(store.put(chunked(randomBytes(size)), limit)).rejects.toBeInstanceOf(TooLargeError);
      expect(tmpLeft()).toEqual([]);
    }
  });

  it('stores an empty upload (the route answers 415 for it) and the same content twice under one name', async () => {
    const empty = await store.put(chunked(Buffer.alloc(0)), 1_000);
    expect(empty).toMatchObject({ sha256: sha(Buffer.alloc(0)), bytes: 0 });
    const body = Buffer.from('%PDF-1.4 same bytes');
    const [a, b] = await Promise.all([store.put(chunked(body), 1_000), store.put(chunked(body), 1_000)]);
    expect(a.sha256).toBe(b.sha256);
    expect(readFileSync(store.pathOf(a.sha256)).equals(body)).toBe(true);
    expect(tmpLeft()).toEqual([]);
  });

  it('makes a blob folder again when it went away under a running store (e.g. a restore)', async () => {
    const first = Buffer.from('%PDF-1.4 first');
    const blob = await store.put(chunked(first), 1_000);
    rmSync(path.join(root, 'blobs'), { recursive: true });
    // Same two-digit folder as the first blob: the store remembered making it.
    let again: Buffer;
    do again = Buffer.concat([Buffer.from('%PDF-1.4 '), randomBytes(8)]);
    while (sha(again).slice(0, 2) !== blob.sha256.slice(0, 2));
    const second = await store.put(chunked(again), 1_000);
    expect(readFileSync(store.pathOf(second.sha256)).equals(again)).toBe(true);
  });
  it('removes temp files of writes that never committed once stale; fresh ones, aside blobs and committed blobs stay', async () => {
    const tmp = path.join(root, 'tmp');
    const committed = await store.putBuffer(randomBytes(2_000));
    const old = new Date(Date.now() - 2 * 3600_000);
    for (const name of ['killed.part', 'aside.sweep']) {
      writeFileSync(path.join(tmp, name), 'x');
      utimesSync(path.join(tmp, name), old, old);
    }
    writeFileSync(path.join(tmp, 'in-flight.part'), 'x');
    expect(await store.removeStaleTemp(staleTempMs({ requestTimeoutMs: 30_000, jobTimeoutMs: 120_000 }))).toBe(1);
    expect(tmpLeft().sort()).toEqual(['aside.sweep', 'in-flight.part']);
    expect((await store.read(committed.sha256)).length).toBe(2_000);
    for (const name of tmpLeft()) rmSync(path.join(tmp, name));
  });

  it('counts a temp file as abandoned after twice the longer timeout, and never before an hour', () => {
    expect(staleTempMs({ requestTimeoutMs: 30_000, jobTimeoutMs: 120_000 })).toBe(3_600_000);
    expect(staleTempMs({ requestTimeoutMs: 30_000, jobTimeoutMs: 2 * 3_600_000 })).toBe(4 * 3_600_000);
  });
});
