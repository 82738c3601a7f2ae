// Just enough tar for the Engine's archive endpoints (GET/PUT /containers/{id}/archive): read the
// regular files of a getArchive stream, and frame files for putArchive. Streaming both ways,
// so an RDB or blob of any size never sits in memory. Pure apart from the streams.
import { Readable } from 'node:stream';
import { BackupError } from '../../lib/errors.js';

const BLOCK = 512;

function readOctal(b: Buffer): number {
  // GNU base-256 for sizes ≥ 8 GiB: high bit of the first byte set.
  if (b[0] & 0x80) {
    let v = b[0] & 0x7f;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i];
    return v;
  }
  const s = b.toString('ascii').replace(/\0.*$/s, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function parsePax(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(body.subarray(i, sp).toString('ascii'));
    if (!len) break;
    const rec = body.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

function writeField(h: Buffer, offset: number, len: number, value: string): void {
  h.write(value, offset, len, 'ascii');
}

function octal(n: number, len: number): string {
  return `${n.toString(8).padStart(len - 1, '0')}\0`;
}

/** The ustar header of one regular file. */
export function tarHeader(f: { name: string; size: number; mode?: number; uid?: number; gid?: number; mtime?: Date; dir?: boolean }): Buffer {
  if (Buffer.byteLength(f.name) > 100) throw new BackupError(`tar: name ${f.name} is longer than 100 bytes`, 'this is a prodctl bug');
  if (f.size >= 8 ** 11) throw new BackupError(`tar: ${f.name} is larger than 8 GiB`, 'this is a prodctl bug');
  const h = Buffer.alloc(BLOCK);
  writeField(h, 0, 100, f.name);
  writeField(h, 100, 8, octal(f.mode ?? 0o644, 8));
  writeField(h, 108, 8, octal(f.uid ?? 0, 8));
  writeField(h, 116, 8, octal(f.gid ?? 0, 8));
  writeField(h, 124, 12, octal(f.size, 12));
  writeField(h, 136, 12, octal(Math.floor((f.mtime ?? new Date()).getTime() / 1000), 12));
  h.fill(0x20, 148, 156);
  h[156] = f.dir ? 0x35 : 0x30;
  writeField(h, 257, 6, 'ustar\0');
  writeField(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  writeField(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Zero padding after a file of `size` bytes, plus the two zero blocks that end an archive. */
export function tarTrailer(size: number): Buffer {
  return Buffer.alloc(((BLOCK - (size % BLOCK)) % BLOCK) + 2 * BLOCK);
}

/** Pulls exact byte counts out of a chunk stream (for reading many tar entries in order). */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    return this.buf.length >= n;
  }

  async read(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Yields the next n bytes as they arrive, without holding them. */
  async *take(n: number): AsyncGenerator<Buffer> {
    while (n > 0) {
      if (!this.buf.length && !(await this.fill(1))) throw new BackupError('the archive from the engine ended early', 'try again; check the engine log');
      const part = this.buf.subarray(0, Math.min(n, this.buf.length));
      this.buf = this.buf.subarray(part.length);
      n -= part.length;
      yield part;
    }
  }
}

export interface TarEntry {
  /** Path inside the archive, as the engine wrote it. */
  name: string;
  size: number;
  /** The entry's bytes; read it (or not) before asking for the next entry. */
  body: AsyncGenerator<Buffer>;
}

/** Every regular file of a tar stream, in order, streamed (PAX path/size and GNU long names honoured). */
export async function* readTarEntries(src: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(src[Symbol.asyncIterator]());
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  for (;;) {
    const h = await r.read(BLOCK);
    if (!h || h.every((x) => x === 0)) return;
    const type = String.fromCharCode(h[156] || 0x30);
    const size = pax.size ? Number(pax.size) : readOctal(h.subarray(124, 136));
    const prefix = h.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const base = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L') {
      const body = await r.read(size + padding);
      if (!body) throw new BackupError('the archive from the engine ended early', 'try again; check the engine log');
      if (type === 'x') pax = parsePax(body.subarray(0, size));
      else longName = body.subarray(0, size).toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    pax = {};
    longName = undefined;
    const body = r.take(size);
    if (type === '0' || type === '7') yield { name, size, body };
    for await (const _ of body) void _; // whatever the consumer left
    if (padding) await r.read(padding);
  }
}

/**
 * The content of the first regular file of a tar stream, streamed; the rest is not read. A
 * getArchive of a file path yields exactly one entry (possibly behind a PAX header).
 */
export function readFirstFile(src: AsyncIterable<Buffer>): Readable {
  async function* firstBody(): AsyncGenerator<Buffer> {
    for await (const entry of readTarEntries(src)) {
      yield* entry.body;
      return;
    }
    throw new BackupError('the archive from the engine ended early or held no file', 'is the path a regular file in the container?');
  }
  return Readable.from(firstBody(), { objectMode: false });
}
