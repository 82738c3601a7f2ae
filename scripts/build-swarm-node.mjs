#!/usr/bin/env node
// Builds the image of a Docker-in-Docker "swarm node" for the multi-node Swarm tests, offline from
// Debian's packages (debootstrap → docker import), tagged prodctl-local/swarm-node:<content hash>.
// An unchanged script reuses the image; prints the image reference on stdout's last line.
//
//   node scripts/build-swarm-node.mjs [--force]
import { $, fs, path, os } from 'zx';
import { createHash } from 'node:crypto';
import { readDebianMirror } from './debian-mirror.mjs';

$.verbose = false;
$.quiet = true;
const PREFIX = process.env.PRODCTL_IMAGE_PREFIX ?? 'prodctl-local';
const SUITE = 'bookworm';
const INCLUDE = ['docker.io', 'iptables', 'ca-certificates', 'procps', 'curl', 'iproute2', 'tini'];

// The node's PID 1 is tini (dockerd as PID 1 leaves zombie containerd-shims). The host is cgroup v1
// and the container cannot be --privileged here, so /sys and every cgroup hierarchy are remounted
// read-write; stale pid files of a restarted node would make dockerd refuse to start.
const ENTRYPOINT = `#!/bin/sh
set -e
# A plain remount of a cgroup hierarchy fails "mount point is busy"; a bind remount works.
rw() { mount -o remount,rw "$1" 2>/dev/null || mount -o remount,bind,rw "$1" 2>/dev/null || true; }
rw /sys
rw /sys/fs/cgroup
for d in /sys/fs/cgroup/*; do rw "$d"; done
mount -t tmpfs tmpfs /tmp
rm -rf /run/docker.pid /run/docker /run/containerd /var/run/docker.sock
exec dockerd -H unix:///var/run/docker.sock -H tcp://0.0.0.0:2375 --storage-driver overlay2 "$@"
`;

const hash = createHash('sha256').update(JSON.stringify({ SUITE, INCLUDE })).update(ENTRYPOINT).digest('hex').slice(0, 12);
const ref = `${PREFIX}/swarm-node:${hash}`;

const exists = (await $`docker image inspect ${ref}`.nothrow()).exitCode === 0;
if (exists && !process.argv.includes('--force')) {
  console.log(ref);
  process.exit(0);
}
const started = Date.now();
const mirror = await readDebianMirror();
const rootfs = await fs.mkdtemp(path.join(os.tmpdir(), 'prodctl-swarm-node-'));
try {
  await $`debootstrap --variant=minbase --include=${INCLUDE.join(',')} ${SUITE} ${rootfs} ${mirror}`;
  await fs.writeFile(path.join(rootfs, 'usr/local/bin/swarm-node-entrypoint'), ENTRYPOINT, { mode: 0o755 });
  await $`rm -rf ${path.join(rootfs, 'var/cache/apt/archives')}/*.deb ${path.join(rootfs, 'var/lib/apt/lists')} ${path.join(rootfs, 'usr/share/doc')} ${path.join(rootfs, 'usr/share/man')}`;
  await $`tar -C ${rootfs} -c . | docker import --change ${`LABEL prodctl.build-hash=${hash}`} --change ${'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'} --change ${'ENTRYPOINT ["/usr/bin/tini","--","/usr/local/bin/swarm-node-entrypoint"]'} - ${ref}`;
  console.error(`built ${ref} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  console.log(ref);
} finally {
  await $`rm -rf ${rootfs}`.nothrow();
}
