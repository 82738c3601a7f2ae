// Files inside containers through the Engine's archive endpoints: the Redis RDB (read) and the
// runtime's blob volume (list, read, hash, put). Nothing here needs a shell on the host or a
// published port; the engine may be local or remote.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { BackupError } from '../../lib/errors.js';
import { ADDRESS_RE, blobRelPath, missingBlobError, type BlobAccess } from '../parts/blob-access.js';
import { execText } from '../../engine/exec.js';
import { createTarWriter, readFirstFile, readTarEntries, type TarWriter } from './tar.js';

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** The bytes of one regular file in a container, streamed out of a getArchive tar. */
export async function openContainerFile(docker: Docker, containerId: string, file: string): Promise<Readable> {
  const archive = (await docker.getContainer(containerId).getArchive({ path: file })) as unknown as Readable;
  return readFirstFile(archive);
}

/**
 * Streams the archive that `write` builds into a container folder (putArchive). Whichever fails
 * first, the engine or the writing, stops the other, and its error is the one thrown.
 */
async function putArchive<T>(docker: Docker, containerId: string, dir: string, write: (tar: TarWriter) => Promise<T>): Promise<T> {
  const tar = createTarWriter();
  let uploadError: unknown;
  // Handled at once: an engine that refuses early must stop the writing, which would otherwise
  // wait on back-pressure for a reader that is gone.
  const upload = docker
    .getContainer(containerId)
    .putArchive(tar.archive, { path: dir })
    .then(
      () => undefined,
      (err: unknown) => {
        uploadError = err;
        tar.abort(err as Error);
      },
    );
  try {
    const out = await write(tar);
    tar.finish();
    await upload;
    if (uploadError) throw uploadError;
    return out;
  } catch (err) {
    const first = uploadError ?? err;
    tar.abort(first as Error);
    await upload;
    throw first;
  }
}

async function mustExec(docker: Docker, id: string, cmd: string[], what: string): Promise<string> {
  const r = await execText(docker, id, cmd);
  if (r.exitCode !== 0) throw new BackupError(`part files: ${what} failed in container ${id.slice(0, 12)} (exit ${r.exitCode}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`, 'check that the container holding the uploads volume is running');
  return r.stdout;
}

/** The uploads volume as seen from a running container that mounts it (api or worker). */
export function createDockerBlobAccess(docker: Docker, containerId: string, uploadsPath: string, containerName = containerId.slice(0, 12)): BlobAccess {
  const where = `${containerName}:${uploadsPath}`;
  const full = (address: string) => path.posix.join(uploadsPath, blobRelPath(address));
  let owner: { uid: number; gid: number } | undefined;
  const readOwner = async () => {
    const [uid, gid] = (await mustExec(docker, containerId, ['stat', '-c', '%u %g', uploadsPath], 'reading the owner of the uploads folder')).trim().split(' ').map(Number);
    return { uid, gid };
  };
  return {
    where,
    async list() {
      const out = await mustExec(docker, containerId, ['find', path.posix.join(uploadsPath, 'blobs'), '-mindepth', '2', '-maxdepth', '2', '-type', 'f'], 'listing blobs').catch(() => '');
      return out.split('\n').map((l) => path.posix.basename(l.trim())).filter((n) => ADDRESS_RE.test(n)).sort();
    },
    async open(address) {
      try {
        return await openContainerFile(docker, containerId, full(address));
      } catch (err) {
        if (statusOf(err) === 404) throw missingBlobError(address, where);
        throw err;
      }
    },
    async hashAll(addresses) {
      const out = new Map<string, string>();
      // sha256sum exits 1 when some files are missing but still prints the others.
      for (let i = 0; i < addresses.length; i += 400) {
        const r = await execText(docker, containerId, ['sha256sum', '--', ...addresses.slice(i, i + 400).map(full)]);
        for (const line of r.stdout.split('\n')) {
          const m = /^([a-f0-9]{64}) {2}.*\/([a-f0-9]{64})$/.exec(line.trim());
          if (m) out.set(m[2], m[1]);
        }
      }
      return out;
    },
    async put(address, bytes, fill) {
      // Same discipline as the runtime: write under tmp/, check, then rename into place; the
      // blob takes the owner of the uploads folder so the runtime's user can read and delete it.
      const who = owner ?? (await readOwner());
      owner = who;
      const tmpDir = path.posix.join(uploadsPath, 'tmp');
      const tmpName = `restore-${address}.part`;
      const dest = full(address);
      await mustExec(docker, containerId, ['mkdir', '-p', tmpDir, path.posix.dirname(dest)], 'creating folders');
      const sha = await putArchive(docker, containerId, tmpDir, (tar) => tar.addFile(tmpName, bytes, { mode: 0o640, ...who }, fill));
      if (sha !== address) {
        await execText(docker, containerId, ['rm', '-f', path.posix.join(tmpDir, tmpName)]);
        throw new BackupError('content does not match its address', 'the set is corrupt');
      }
      await mustExec(docker, containerId, ['mv', '-f', path.posix.join(tmpDir, tmpName), dest], 'moving a restored blob into place');
    },
    async readMany(addresses, each) {
      // One archive of the whole blobs folder instead of a round trip per blob: ~10× faster for
      // thousands of small files. Blobs not asked for pass through unread.
      const wanted = new Set(addresses);
      let archive: Readable;
      try {
        archive = (await docker.getContainer(containerId).getArchive({ path: path.posix.join(uploadsPath, 'blobs') })) as unknown as Readable;
      } catch (err) {
        if (statusOf(err) === 404) return [...wanted];
        throw err;
      }
      for await (const entry of readTarEntries(archive)) {
        const address = path.posix.basename(entry.name);
        if (!wanted.has(address)) continue;
        wanted.delete(address);
        await each(address, Readable.from(entry.body));
      }
      return [...wanted];
    },
    async putMany(blobs, fill) {
      // One archive into a staging folder under tmp/ (each blob checked against its address while
      // it streams), then one shell moves the folders' contents into place, then sha256sum again.
      const who = owner ?? (await readOwner());
      owner = who;
      const staging = path.posix.join(uploadsPath, 'tmp', `restore-${randomBytes(6).toString('hex')}`);
      await mustExec(docker, containerId, ['mkdir', '-p', staging], 'creating the staging folder');
      try {
        await putArchive(docker, containerId, staging, async (tar) => {
          const folder = { mode: 0o750, ...who };
          tar.addFolder('blobs/', folder);
          for (const dir of new Set(blobs.map((b) => b.address.slice(0, 2)))) tar.addFolder(`blobs/${dir}/`, folder);
          for (const b of blobs) {
            const sha = await tar.addFile(blobRelPath(b.address), b.bytes, { mode: 0o640, ...who }, (sink) => fill(b.address, sink));
            if (sha !== b.address) throw new BackupError(`blob ${b.address}: content does not match its address`, 'the set is corrupt');
          }
        });
        const script = 'set -e; for d in "$1"/blobs/*/; do n=$(basename "$d"); mkdir -p "$2/blobs/$n"; mv -f "$d"* "$2/blobs/$n/"; done';
        await mustExec(docker, containerId, ['sh', '-c', script, 'sh', staging, uploadsPath], 'moving restored blobs into place');
      } finally {
        await execText(docker, containerId, ['rm', '-rf', staging]);
      }
      const hashes = await this.hashAll(blobs.map((b) => b.address));
      const bad = blobs.find((b) => hashes.get(b.address) !== b.address);
      if (bad) throw new BackupError(`blob ${bad.address} did not arrive intact in ${where}`, 'check the volume (disk full?) and restore again');
    },
  };
}
