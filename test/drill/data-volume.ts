// A small data volume of its own for a native test stack: a sparse ext4 image, loop-mounted on the
// stack's data folder, so a disk-pressure drill fills it and never the host's disk. (tmpfs would not
// do: the disk alert leaves tmpfs out.) Needs root and a loop device; a missing one fails the test.
import { mkdirSync, rmSync } from 'node:fs';
import { execa } from 'execa';

export interface DataVolume {
  mountpoint: string;
  unmount(): Promise<void>;
}

export async function mountDataVolume(dir: string, image: string, mib: number): Promise<DataVolume> {
  mkdirSync(dir, { recursive: true });
  await execa('truncate', ['-s', `${mib}M`, image]);
  await execa('mkfs.ext4', ['-q', '-m', '0', image]);
  // Its own loop device, detached explicitly: `mount -o loop` can leave one attached after umount.
  const dev = (await execa('losetup', ['--find', '--show', image])).stdout.trim();
  await execa('mount', [dev, dir]).catch(async (e) => {
    await execa('losetup', ['-d', dev], { reject: false });
    throw e;
  });
  return {
    mountpoint: dir,
    async unmount() {
      await execa('umount', [dir], { reject: false });
      await execa('losetup', ['-d', dev], { reject: false });
      rmSync(image, { force: true });
    },
  };
}
