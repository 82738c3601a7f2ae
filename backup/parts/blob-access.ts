// Where the runtime's content-addressed blobs live, behind one small interface: a local folder
// (native target) or a volume inside a container (Docker target, see ../docker/blobs-docker.ts).
// The files part only lists, reads, hashes and puts blobs through it.
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupError } from '../../lib/errors.js';
import { createMeter } from '../stream/pipeline.js';

export interface BlobAccess {
  /** For messages: the folder, or container:path. */
  where: string;
  /** Every well-formed address on disk. */
  list(): Promise<string[]>;
  /** A blob's bytes; rejects with a BackupError naming the address when it is missing. */
  open(address: string): Promise<Readable>;
  /** sha256 of each address that exists and is readable; missing ones are absent from the map. */
  hashAll(addresses: string[]): Promise<Map<string, string>>;
  /**
   * Puts one blob in place: `fill` streams the plain bytes (`bytes` of them) into the sink and
   * resolves with their sha256; the blob becomes visible only when that equals the address.
   */
  put(address: string, bytes: number, fill: (sink: Writable) => Promise<string>): Promise<void>;
  /**
   * Optional bulk forms for places where one round trip per blob is expensive (the Docker engine):
   * readMany calls `each` once per address found, in any order, and returns the addresses it did
   * not find; putMany puts them all, each checked like `put`.
   */
  readMany?(addresses: string[], each: (address: string, body: Readable) => Promise<void>): Promise<string[]>;
  putMany?(blobs: { address: string; bytes: number }[], fill: (address: string, sink: Writable) => Promise<string>): Promise<void>;
}

export const ADDRESS_RE = /^[a-f0-9]{64}$/;

/** A blob's place relative to the uploads folder (runtime/core/storage.ts layout). */
export function blobRelPath(address: string): string {
  if (!ADDRESS_RE.test(address)) throw new BackupError(`part files: bad content address ${address}`, 'the files table holds a malformed sha256');
  return `blobs/${address.slice(0, 2)}/${address}`;
}

export function missingBlobError(address: string, where: string): BackupError {
  return new BackupError(`part files: blob ${address} is referenced by the database but missing in ${where}`, 'was it deleted before storage.blob_grace? check the uploads folder');
}

async function hashFile(p: string): Promise<string | null> {
  try {
    const m = createMeter();
    await pipeline(createReadStream(p), m.stream, async function* (src) {
      for await (const _ of src) void _;
    });
    return m.result().sha256;
  } catch {
    return null;
  }
}

export function createLocalBlobAccess(uploadsDir: string): BlobAccess {
  const full = (address: string) => path.join(uploadsDir, blobRelPath(address));
  return {
    where: uploadsDir,
    async list() {
      const root = path.join(uploadsDir, 'blobs');
      const out: string[] = [];
      for (const d of await readdir(root).catch(() => [] as string[])) {
        for (const f of await readdir(path.join(root, d)).catch(() => [] as string[])) if (ADDRESS_RE.test(f)) out.push(f);
      }
      return out.sort();
    },
    async open(address) {
      const p = full(address);
      await stat(p).catch(() => {
        throw missingBlobError(address, uploadsDir);
      });
      return createReadStream(p);
    },
    async hashAll(addresses) {
      const out = new Map<string, string>();
      for (const a of addresses) {
        const h = await hashFile(full(a));
        if (h) out.set(a, h);
      }
      return out;
    },
    async put(address, _bytes, fill) {
      // tmp + fsync + rename, like the runtime: a crash never leaves a half blob under its address.
      const tmpDir = path.join(uploadsDir, 'tmp');
      mkdirSync(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, `restore-${process.pid}-${address}.part`);
      try {
        const sha = await fill(createWriteStream(tmp));
        if (sha !== address) throw new BackupError(`content does not match its address`, 'the set is corrupt');
        const fh = await open(tmp, 'r');
        await fh.sync();
        await fh.close();
        const dest = full(address);
        mkdirSync(path.dirname(dest), { recursive: true });
        await rename(tmp, dest);
      } finally {
        await rm(tmp, { force: true });
      }
    },
  };
}
