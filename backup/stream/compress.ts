// Compression stages. zstd runs Debian's `zstd` binary (multi-threaded, Node 20 has no built-in
// zstd); gzip uses Node's zlib. Each returns a Duplex so the pipeline can treat them alike.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Duplex, PassThrough } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { BackupError } from '../../lib/errors.js';

export type Compression = 'zstd' | 'gzip' | 'none';

export const ZSTD_BIN = '/usr/bin/zstd';

export function compressionSuffix(c: Compression): string {
  return c === 'zstd' ? '.zst' : c === 'gzip' ? '.gz' : '';
}

/** argv for the zstd process: pure, so tests can check it. */
export function zstdArgs(mode: 'compress' | 'decompress', level = 3): string[] {
  return mode === 'compress' ? ['-q', '-c', `-${level}`, '-T0'] : ['-q', '-d', '-c'];
}

function spawnFilter(bin: string, args: string[], what: string): Duplex {
  if (!existsSync(bin)) throw new BackupError(`${bin} not found`, 'install it: apt-get install -y zstd, or set backup.compression: gzip');
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const duplex = Duplex.from({ writable: child.stdin, readable: child.stdout });
  child.on('error', (err) => duplex.destroy(err));
  child.on('exit', (code, signal) => {
    if (code !== 0) duplex.destroy(new BackupError(`${what} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`, 'the data is corrupt or the tool crashed'));
  });
  return duplex;
}

export function createCompressStream(c: Compression): Duplex {
  if (c === 'zstd') return spawnFilter(ZSTD_BIN, zstdArgs('compress'), 'zstd compression');
  if (c === 'gzip') return createGzip({ level: 6 });
  return new PassThrough();
}

export function createDecompressStream(c: Compression): Duplex {
  if (c === 'zstd') return spawnFilter(ZSTD_BIN, zstdArgs('decompress'), 'zstd decompression');
  if (c === 'gzip') return createGunzip();
  return new PassThrough();
}
