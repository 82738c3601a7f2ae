// The tar used with the engine's archive endpoints (tar-stream behind backup/docker/tar.ts),
// checked against GNU tar both ways and against itself, streaming and with back-pressure.
import { randomBytes } from 'node:crypto';
import { mkdirSync, openSync, readFileSync, rmSync, truncateSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { createTarWriter, readFirstFile, readTarEntries, type TarWriter } from '../../backup/docker/tar.js';
import { BackupError } from '../../lib/errors.js';
import { makeTempDir } from '../support/services.js';

const dir = makeTempDir('prodctl-tar-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

function chunksOf(buf: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return parts;
}

/** A fill that streams `body` into the entry in 64 KiB chunks and resolves with a label. */
const fillWith = (body: Buffer, label = 'ok') => async (sink: Writable) => {
  await pipeline(Readable.from(chunksOf(body, 65536)), sink);
  return label;
};

/** The whole archive `build` writes, read while it is written (so back-pressure never stalls it). */
async function writeArchive(build: (w: TarWriter) => Promise<void>): Promise<Buffer> {
  const w = createTarWriter();
  const read = (async () => {
    const parts: Buffer[] = [];
    for await (const c of w.archive) parts.push(c as Buffer);
    return Buffer.concat(parts);
  })();
  await build(w);
  w.finish();
  return read;
}

async function firstFile(tar: Buffer, chunk: number): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of readFirstFile(Readable.from(chunksOf(tar, chunk)))) out.push(c as Buffer);
  return Buffer.concat(out);
}

// Names at the edges of ustar's 100-byte name field, and one past it (tar-stream writes a PAX path).
const files: Record<string, Buffer> = {
  [`blobs/ab/${'ab'.repeat(32)}`]: randomBytes(1000 + 513),
  [`restore-${'cd'.repeat(32)}.part`]: randomBytes(3 * MiB + 17),
  ['n'.repeat(99)]: randomBytes(512),
  ['m'.repeat(100)]: randomBytes(0),
  [`${'p'.repeat(150)}.rdb`]: randomBytes(70_000),
};

async function writeFiles(w: TarWriter): Promise<void> {
  const owner = { uid: 4242, gid: 4343 };
  w.addFolder('blobs/', { mode: 0o750, ...owner });
  w.addFolder('blobs/ab/', { mode: 0o750, ...owner });
  for (const [name, body] of Object.entries(files)) expect(await w.addFile(name, body.length, { mode: 0o640, ...owner }, fillWith(body, name))).toBe(name);
}

describe('tar', () => {
  it('GNU tar extracts what createTarWriter writes: folders and files with owner and mode, a >1 MiB file, names near and past 100 bytes', async () => {
    const tar = await writeArchive(writeFiles);
    expect(tar.length % 512).toBe(0);
    const listing = (await execa('tar', ['-tvf', '-', '--numeric-owner'], { input: tar })).stdout.split('\n');
    const line = (kind: string, size: number, name: string) => new RegExp(`^${kind} 4242/4343 +${size} \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d ${name}$`);
    expect(listing).toHaveLength(2 + Object.keys(files).length);
    expect(listing[0]).toMatch(line('drwxr-x---', 0, 'blobs/'));
    expect(listing[1]).toMatch(line('drwxr-x---', 0, 'blobs/ab/'));
    Object.entries(files).forEach(([name, body], i) => expect(listing[2 + i]).toMatch(line('-rw-r-----', body.length, name)));
    const out = path.join(dir, 'x');
    mkdirSync(out);
    await execa('tar', ['-xf', '-', '-C', out], { input: tar });
    for (const [name, body] of Object.entries(files)) expect(readFileSync(path.join(out, name)).equals(body)).toBe(true);
  });

  it.each([511, 65536])('readTarEntries reads back every file createTarWriter wrote (%i-byte chunks)', async (chunk) => {
    const tar = await writeArchive(writeFiles);
    const seen: Record<string, Buffer> = {};
    for await (const e of readTarEntries(Readable.from(chunksOf(tar, chunk)))) {
      const got: Buffer[] = [];
      for await (const c of e.body) got.push(c);
      seen[e.name] = Buffer.concat(got);
      expect(e.size).toBe(seen[e.name].length);
    }
    expect(Object.keys(seen)).toEqual(Object.keys(files));
    for (const [name, body] of Object.entries(files)) expect(seen[name].equals(body)).toBe(true);
  });

  it.each([1, 7, 512, 65536])('readFirstFile reads the file of a GNU tar archive in %i-byte chunks, past PAX headers', async (chunk) => {
    // A file name over 100 bytes makes tar (--format=pax) write an extended header first.
    const name = `${'f'.repeat(120)}.rdb`;
    const body = randomBytes(3 * 512 + 17);
    writeFileSync(path.join(dir, name), body);
    const tar = Buffer.from((await execa('tar', ['--format=pax', '-C', dir, '-cf', '-', name], { encoding: 'buffer' })).stdout);
    expect(tar.includes(Buffer.from('path='))).toBe(true);
    expect((await firstFile(tar, chunk)).equals(body)).toBe(true);
  });

  it.each([1, 511, 65536])('readTarEntries streams every file of a GNU tar archive of a folder (%i-byte chunks), reading some and skipping others', async (chunk) => {
    const src = path.join(dir, `many-${chunk}`);
    const want: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) {
      const rel = i === 5 ? `blobs/${'x'.repeat(110)}` : `blobs/${String(i).padStart(2, '0')}/f${i}`;
      want[rel] = randomBytes(i * 700);
      mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      writeFileSync(path.join(src, rel), want[rel]);
    }
    const tar = Buffer.from((await execa('tar', ['--format=pax', '-C', src, '-cf', '-', 'blobs'], { encoding: 'buffer' })).stdout);
    const seen: Record<string, Buffer> = {};
    for await (const e of readTarEntries(Readable.from(chunksOf(tar, chunk)))) {
      if (e.name.endsWith('f2')) continue; // skipped unread: the next entry must still line up
      if (e.name.endsWith('f4')) {
        await e.body.next(); // read in part: the rest must be skipped too
        continue;
      }
      const got: Buffer[] = [];
      for await (const c of e.body) got.push(c);
      seen[e.name] = Buffer.concat(got);
    }
    const expected = Object.fromEntries(Object.entries(want).filter(([k]) => !k.endsWith('f2') && !k.endsWith('f4')));
    expect(Object.keys(seen).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect(seen[k].equals(v)).toBe(true);
  });

  it.each(['gnu', 'pax'])('readTarEntries reads the size of a file over 8 GiB (GNU tar --format=%s) and streams its start', async (format) => {
    // A sparse file: only the first 4 KiB are data. tar's output is cut after 2 MiB; the entry's
    // header and first bytes are all this needs.
    const name = `big-${format}.rdb`;
    const size = 8 * 1024 ** 3 + 1;
    const head = randomBytes(4096);
    const fd = openSync(path.join(dir, name), 'w');
    writeSync(fd, head);
    closeSync(fd);
    truncateSync(path.join(dir, name), size);
    const cut = await execa('sh', ['-c', `tar --format=${format} -C "$1" -cf - "$2" | head -c 2097152`, 'sh', dir, name], { encoding: 'buffer' });
    rmSync(path.join(dir, name));
    for await (const e of readTarEntries(Readable.from(chunksOf(Buffer.from(cut.stdout), 65536)))) {
      expect(e.name).toBe(name);
      expect(e.size).toBe(size);
      const got: Buffer[] = [];
      for await (const c of e.body) {
        got.push(c);
        if (Buffer.concat(got).length >= head.length) break;
      }
      expect(Buffer.concat(got).subarray(0, head.length).equals(head)).toBe(true);
      break;
    }
  });

  it('GNU tar reads the header createTarWriter writes for a file over 8 GiB', async () => {
    const w = createTarWriter();
    const size = 8 * 1024 ** 3 + 1;
    async function* endless(): AsyncGenerator<Buffer> {
      for (;;) yield randomBytes(65536);
    }
    const filling = w.addFile('big.rdb', size, { mode: 0o640, uid: 0, gid: 0 }, (sink) => pipeline(Readable.from(endless()), sink));
    filling.catch(() => {});
    const parts: Buffer[] = [];
    for await (const c of w.archive) {
      parts.push(c as Buffer);
      if (Buffer.concat(parts).length > MiB) break; // leaving the loop destroys the archive
    }
    await expect(filling).rejects.toThrow();
    // tar lists the entry, then fails on the archive that ends inside it.
    const listed = await execa('tar', ['-tvf', '-', '--numeric-owner'], { input: Buffer.concat(parts), reject: false });
    expect(listed.stdout).toMatch(new RegExp(`^-rw-r----- 0/0 +${size} .* big\\.rdb$`));
    expect(listed.exitCode).not.toBe(0);
  });

  it('streams with back-pressure: a 64 MiB file is produced only as fast as it is read', async () => {
    const size = 64 * MiB;
    let produced = 0;
    async function* source(): AsyncGenerator<Buffer> {
      for (let i = 0; i < size; i += 65536) {
        produced += 65536;
        yield Buffer.alloc(65536, i / 65536);
      }
    }
    const w = createTarWriter();
    const writing = w.addFile('big.rdb', size, { mode: 0o640, uid: 0, gid: 0 }, async (sink) => pipeline(Readable.from(source()), sink)).then(() => w.finish());
    let total = 0;
    for await (const e of readTarEntries(Readable.from(w.archive))) {
      const first = await e.body.next();
      total += (first.value as Buffer).length;
      await sleep(300);
      // Between the generator and the reader sit only stream buffers (~0.3 MiB measured).
      expect(produced).toBeLessThan(4 * MiB);
      for await (const c of e.body) total += c.length;
    }
    await writing;
    expect(total).toBe(size);
    expect(produced).toBe(size);
  });

  it('addFile refuses a body whose length differs from the size in its header', async () => {
    const w = createTarWriter();
    w.archive.on('error', () => {}).resume(); // the engine's side: it sees the archive fail
    const err = await w.addFile('x', 2048, { mode: 0o640, uid: 0, gid: 0 }, fillWith(randomBytes(1000))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toBe('tar: x was given 1000 bytes where its header says 2048');
  });

  it('readFirstFile fails with a BackupError on an archive cut inside the file', async () => {
    const body = randomBytes(2048);
    const whole = await writeArchive(async (w) => void (await w.addFile('x', body.length, { mode: 0o640, uid: 0, gid: 0 }, fillWith(body))));
    const err = await firstFile(whole.subarray(0, 512 + 1000), 512).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toBe('the archive from the engine ended early');
  });

  it('readTarEntries fails with a BackupError on bytes that are not a tar archive', async () => {
    const read = async () => {
      for await (const e of readTarEntries(Readable.from([randomBytes(1024)]))) void e;
    };
    const err = await read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackupError);
    expect((err as Error).message).toMatch(/^the archive from the engine is malformed: Invalid tar header/);
  });
});
