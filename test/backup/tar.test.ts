// The tar framing used with the engine's archive endpoints, checked against GNU tar both ways.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { readFirstFile, readTarEntries, tarHeader, tarTrailer } from '../../backup/docker/tar.js';
import { makeTempDir } from '../support/services.js';

const dir = makeTempDir('prodctl-tar-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function firstFile(tar: Buffer, chunk: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) parts.push(tar.subarray(i, i + chunk));
  const out: Buffer[] = [];
  for await (const c of readFirstFile(Readable.from(parts))) out.push(c as Buffer);
  return Buffer.concat(out);
}

describe('tar', () => {
  it('GNU tar extracts what tarHeader + body + tarTrailer frame, with owner and mode', async () => {
    const body = randomBytes(1000 + 513);
    const name = `restore-${'ab'.repeat(32)}.part`;
    const tar = Buffer.concat([tarHeader({ name, size: body.length, mode: 0o640, uid: 4242, gid: 4343, mtime: new Date('2026-01-02T03:04:05Z') }), body, tarTrailer(body.length)]);
    expect(tar.length % 512).toBe(0);
    const listing = await execa('tar', ['-tvf', '-', '--numeric-owner'], { input: tar });
    expect(listing.stdout).toMatch(new RegExp(`^-rw-r----- 4242/4343 +1513 2026-01-02 03:04 ${name}$`));
    mkdirSync(path.join(dir, 'x'));
    await execa('tar', ['-xf', '-', '-C', path.join(dir, 'x')], { input: tar });
    expect(readFileSync(path.join(dir, 'x', name)).equals(body)).toBe(true);
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
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) {
      const rel = i === 5 ? `blobs/${'x'.repeat(110)}` : `blobs/${String(i).padStart(2, '0')}/f${i}`;
      files[rel] = randomBytes(i * 700);
      mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      writeFileSync(path.join(src, rel), files[rel]);
    }
    const tar = Buffer.from((await execa('tar', ['--format=pax', '-C', src, '-cf', '-', 'blobs'], { encoding: 'buffer' })).stdout);
    const parts: Buffer[] = [];
    for (let i = 0; i < tar.length; i += chunk) parts.push(tar.subarray(i, i + chunk));
    const seen: Record<string, Buffer> = {};
    for await (const e of readTarEntries(Readable.from(parts))) {
      if (e.name.endsWith('f2')) continue; // skipped unread: the next entry must still line up
      const got: Buffer[] = [];
      for await (const c of e.body) got.push(c);
      seen[e.name] = Buffer.concat(got);
    }
    const expected = Object.fromEntries(Object.entries(files).filter(([k]) => !k.endsWith('f2')));
    expect(Object.keys(seen).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expect(seen[k].equals(v)).toBe(true);
  });

  it('readFirstFile fails on an archive cut inside the file', async () => {
    const body = randomBytes(2048);
    const tar = Buffer.concat([tarHeader({ name: 'x', size: body.length }), body.subarray(0, 1000)]);
    await expect(firstFile(tar, 512)).rejects.toThrow(/ended early/);
  });

  it('tarHeader refuses names tar could not hold in ustar', () => {
    expect(() => tarHeader({ name: 'n'.repeat(101), size: 1 })).toThrow(/longer than 100 bytes/);
  });
});
