// The streaming pipeline: chunked AES-256-GCM and compression round trips, and every kind of
// damage (flipped byte, truncation, wrong key, reordered chunks) is refused.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createDecryptStream, createEncryptStream, DecryptError } from '../../backup/stream/encrypt.js';
import { hashObject, readObject, writeObject } from '../../backup/stream/pipeline.js';
import { createLocalStore } from '../../backup/stores/local.js';
import { deriveKey } from '../../backup/key.js';
import { makeTempDir } from '../support/services.js';

async function run(input: Buffer, ...stages: NodeJS.ReadWriteStream[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline([Readable.from([input]), ...stages, new Writable({ write: (c, _e, cb) => (out.push(c), cb()) })] as never);
  return Buffer.concat(out);
}

describe('chunked AES-256-GCM', () => {
  const key = randomBytes(32);
  it.each([0, 1, 1023, 1024, 1025, 5000])('round-trips %i bytes with 1 KiB chunks', async (n) => {
    const data = randomBytes(n);
    const enc = await run(data, createEncryptStream(key, 1024));
    expect(enc.length).toBe(16 + Math.max(1, Math.ceil(n / 1024)) * 21 + n);
    expect(await run(enc, createDecryptStream(key))).toEqual(data);
  });

  it('refuses a flipped byte, a truncation, a wrong key and swapped chunks', async () => {
    const data = randomBytes(4096);
    const enc = await run(data, createEncryptStream(key, 1024));
    const flipped = Buffer.from(enc);
    flipped[2000] ^= 0x01;
    await expect(run(flipped, createDecryptStream(key))).rejects.toThrow(/authentication failed at chunk 1/);
    await expect(run(enc.subarray(0, enc.length - 21), createDecryptStream(key))).rejects.toThrow(DecryptError);
    await expect(run(enc, createDecryptStream(randomBytes(32)))).rejects.toThrow(/chunk 0/);
    const rec = 21 + 1024;
    const swapped = Buffer.concat([enc.subarray(0, 16), enc.subarray(16 + rec, 16 + 2 * rec), enc.subarray(16, 16 + rec), enc.subarray(16 + 2 * rec)]);
    await expect(run(swapped, createDecryptStream(key))).rejects.toThrow(/authentication failed/);
  });

  it('derives 32-byte keys from hex or passphrase files and rejects short ones', () => {
    expect(deriveKey(Buffer.from(`${'ab'.repeat(32)}\n`))).toEqual(Buffer.from('ab'.repeat(32), 'hex'));
    expect(deriveKey(Buffer.from('a long enough passphrase'))).toHaveLength(32);
    expect(() => deriveKey(Buffer.from('short'))).toThrow(/shorter than 16/);
  });
});

describe('pipeline into a local store', () => {
  const root = makeTempDir('prodctl-stream-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const store = createLocalStore(root);
  const key = randomBytes(32);

  it.each(['zstd', 'gzip', 'none'] as const)('%s + encryption round-trips and records both checksums', async (compression) => {
    const data = Buffer.from('hello backup '.repeat(50_000));
    const obj = await writeObject(store, `t/${compression}`, Readable.from([data]), { compression, key });
    expect(obj.plainBytes).toBe(data.length);
    if (compression !== 'none') expect(obj.bytes).toBeLessThan(data.length / 10);
    expect(await hashObject(store, obj.key)).toEqual({ bytes: obj.bytes, sha256: obj.sha256 });
    const out: Buffer[] = [];
    const got = await readObject(store, obj.key, { compression, key }, new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
    expect(got.sha256).toBe(obj.plainSha256);
    expect(Buffer.concat(out).equals(data)).toBe(true); // .equals: toEqual on a 650 kB Buffer takes seconds
  });

  it('a failed write leaves no object under its key', async () => {
    const bad = new Readable({
      read() {
        this.destroy(new Error('source died'));
      },
    });
    await expect(writeObject(store, 't/failed', bad, { compression: 'zstd', key })).rejects.toThrow(/source died/);
    expect(await store.exists('t/failed')).toBe(false);
    expect((await store.listChildren('t')).filter((n) => n.startsWith('failed'))).toEqual([]);
  });

  it('a flipped byte in a zstd stream is caught by the auth tag before zstd sees it', async () => {
    const obj = await writeObject(store, 't/flip', Readable.from([randomBytes(300_000)]), { compression: 'zstd', key });
    const p = path.join(root, obj.key);
    const b = readFileSync(p);
    b[b.length - 100] ^= 0xff;
    writeFileSync(p, b);
    await expect(readObject(store, obj.key, { compression: 'zstd', key }, new Writable({ write: (_c, _e, cb) => cb() }))).rejects.toThrow(/authentication failed/);
  });
});
