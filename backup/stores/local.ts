// Local-folder backup store. Objects are written to "<key>.part-<pid>", fsynced, then renamed,
// and the folder is fsynced too, so after a crash a key is either complete or absent.
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BackupError } from '../../lib/errors.js';
import type { BackupStore, StoreWriter } from './types.js';

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function createLocalStore(folder: string): BackupStore {
  const root = path.resolve(folder);
  const resolve = (key: string) => {
    const p = path.resolve(root, key);
    if (p !== root && !p.startsWith(root + path.sep)) throw new BackupError(`bad store key ${key}`, 'keys must stay inside the backup folder');
    return p;
  };
  let seq = 0;
  const tmpName = (p: string) => `${p}.part-${process.pid}-${seq++}`;

  return {
    description: `local folder ${root}`,
    async listChildren(prefix) {
      try {
        return (await readdir(resolve(prefix))).filter((n) => !n.includes('.part-')).sort();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    },
    async exists(key) {
      return stat(resolve(key)).then(
        () => true,
        () => false,
      );
    },
    async size(key) {
      return (await stat(resolve(key))).size;
    },
    async openWriter(key): Promise<StoreWriter> {
      const dest = resolve(key);
      mkdirSync(path.dirname(dest), { recursive: true });
      const tmp = tmpName(dest);
      const stream = createWriteStream(tmp, { flags: 'wx' });
      return {
        stream,
        async commit() {
          await fsyncPath(tmp);
          await rename(tmp, dest);
          await fsyncPath(path.dirname(dest));
        },
        async abort() {
          stream.destroy();
          await rm(tmp, { force: true });
        },
      };
    },
    openReader(key): Readable {
      return createReadStream(resolve(key), { highWaterMark: 1024 * 1024 });
    },
    async readText(key) {
      try {
        return await readFile(resolve(key), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async writeTextAtomic(key, text) {
      const dest = resolve(key);
      mkdirSync(path.dirname(dest), { recursive: true });
      const tmp = tmpName(dest);
      await writeFile(tmp, text, { mode: 0o600 });
      await fsyncPath(tmp);
      await rename(tmp, dest);
      await fsyncPath(path.dirname(dest));
    },
    async remove(key) {
      await rm(resolve(key), { force: true });
    },
    async removePrefix(prefix) {
      await rm(resolve(prefix), { recursive: true, force: true });
    },
  };
}
