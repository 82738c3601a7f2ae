// The blocking store calls the PDF threads use must write exactly what the async local store
// reads, and read what it wrote: same layout, same commit (temp file, fsync, rename), nothing left
// in tmp/.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLocalStore } from '../../runtime/core/local-store.js';
import { putBlobSync, readBlobSync } from '../../runtime/core/storage-sync.js';
import { makeTempDir } from '../support/services.js';

const root = makeTempDir('prodctl-store-sync-');
const store = createLocalStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('blocking local store calls', () => {
  it('stores under the sha256 where the async store reads it, and leaves tmp/ empty', async () => {
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(300_000)]);
    const blob = putBlobSync(root, data);
    expect(blob).toEqual({ sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
    expect(store.localRoot).toBe(root);
    expect(store.pathOf(blob.sha256)).toBe(path.join(root, 'blobs', blob.sha256.slice(0, 2), blob.sha256));
    expect((await store.read(blob.sha256)).equals(data)).toBe(true);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('reads what the async store wrote', async () => {
    const data = randomBytes(5_000);
    const blob = await store.putBuffer(data);
    expect(readBlobSync(root, blob.sha256).equals(data)).toBe(true);
  });

  it('makes the prefix folder again when it went away (a restore moved blobs/ into place)', () => {
    const data = randomBytes(1_000);
    const sha = createHash('sha256').update(data).digest('hex');
    rmSync(path.join(root, 'blobs', sha.slice(0, 2)), { recursive: true, force: true });
    putBlobSync(root, data);
    expect(existsSync(path.join(root, 'blobs', sha.slice(0, 2), sha))).toBe(true);
  });

  it('refuses a name that is not a content address', () => {
    expect(() => readBlobSync(root, '../../etc/passwd')).toThrow('bad content address');
  });
});
