#!/usr/bin/env node
// Builds the offline images the Docker target's tests (and air-gapped users) run on, from Debian's
// packages: debootstrap --variant=minbase → small fixups → `docker import`. No registry is needed.
//
//   node scripts/build-images.mjs            build what is missing (reused when already present)
//   node scripts/build-images.mjs --force    rebuild everything
//   node scripts/build-images.mjs --no-runtime   base images only
//
// Images (each tagged prodctl-local/<name>:bookworm, labelled with a hash of this script so a
// changed script rebuilds them and an unchanged one reuses them):
//   node      — the host's Node binary in a minbase rootfs (the runtime image builds FROM it)
//   services  — postgres 15, redis, haproxy, prometheus, alertmanager and the exporters, tagged
//               once per service (postgres, redis, haproxy, prometheus, alertmanager, *-exporter)
// Then the runtime image (runtime/Dockerfile, ARG BASE_IMAGE) as prodctl-local/runtime:<git sha>
// and prodctl-local/runtime:test.
// The Debian mirror is read from apt's sources at run time; no host name is written here.
import { $, fs, path, os } from 'zx';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readDebianMirror } from './debian-mirror.mjs';

$.verbose = false;
$.quiet = true;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..');
const args = new Set(process.argv.slice(2));
const force = args.has('--force');
const REPO_PREFIX = process.env.PRODCTL_IMAGE_PREFIX ?? 'prodctl-local';
const SUITE = 'bookworm';

const SERVICE_TAGS = {
  postgres: { entrypoint: ['/usr/local/bin/docker-entrypoint.sh'], cmd: ['postgres'], user: 'postgres' },
  redis: { entrypoint: [], cmd: ['redis-server'], user: 'redis' },
  haproxy: { entrypoint: [], cmd: ['haproxy', '-f', '/usr/local/etc/haproxy/haproxy.cfg'], user: 'haproxy' },
  prometheus: { entrypoint: ['/bin/prometheus'], cmd: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus'], user: 'nobody' },
  alertmanager: { entrypoint: ['/bin/alertmanager'], cmd: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager'], user: 'nobody' },
  'postgres-exporter': { entrypoint: ['/bin/postgres_exporter'], cmd: [], user: 'nobody' },
  'redis-exporter': { entrypoint: ['/bin/redis_exporter'], cmd: [], user: 'nobody' },
  'node-exporter': { entrypoint: ['/bin/node_exporter'], cmd: [], user: 'nobody' },
  'blackbox-exporter': { entrypoint: ['/bin/blackbox_exporter'], cmd: [], user: 'nobody' },
};

// What the official images promise beyond entrypoint and user. The plan runs Postgres and Redis as
// uid/gid 999, the accounts of the official images; Debian's packages pick other system ids, so each
// service image moves its account to 999 (initdb refuses a uid without a passwd entry, and fresh
// volumes take their owner from these folders). Redis works in /data (the rendered redis.conf has no
// `dir`, like the official image's WORKDIR).
const SERVICE_LAYERS = {
  postgres: { run: 'groupmod -g 999 postgres && usermod -u 999 -g 999 postgres && chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql' },
  redis: { run: 'groupmod -g 999 redis && usermod -u 999 -g 999 redis && chown -R redis:redis /data /var/lib/redis', workdir: '/data' },
};

const ROOTFS = {
  node: { include: ['ca-certificates', 'tini', 'qpdf', 'poppler-utils'], fixup: fixupNode },
  // wget: the plan's health probes for Prometheus, Alertmanager and the exporters (busybox's in the upstream images).
  services: {
    include: ['postgresql-15', 'redis-server', 'haproxy', 'prometheus', 'prometheus-alertmanager', 'prometheus-postgres-exporter', 'prometheus-redis-exporter', 'prometheus-node-exporter', 'prometheus-blackbox-exporter', 'ca-certificates', 'tini', 'wget'],
    fixup: fixupServices,
  },
};

async function imageHash(ref) {
  const r = await $`docker image inspect --format ${'{{ index .Config.Labels "prodctl.build-hash" }}'} ${ref}`.nothrow();
  return r.exitCode === 0 ? r.stdout.trim() : null;
}

async function fixupNode(rootfs) {
  await fs.copy(process.execPath, path.join(rootfs, 'usr/local/bin/node'));
  await fs.ensureDir(path.join(rootfs, 'app'));
  // The runtime runs as an unprivileged account with a fixed uid, so volume ownership is predictable.
  await $`chroot ${rootfs} sh -c ${'groupadd -g 10001 app && useradd -u 10001 -g 10001 -d /app -s /usr/sbin/nologin app'}`;
}

async function fixupServices(rootfs) {
  const link = (from, to) => $`ln -sf ${from} ${path.join(rootfs, to)}`;
  // bookworm's /bin is /usr/bin (merged /usr): /bin/prometheus is the package's binary already, and
  // linking it to itself would replace the binary with a symlink loop.
  await link('/usr/bin/prometheus-alertmanager', 'bin/alertmanager');
  await link('/usr/bin/prometheus-postgres-exporter', 'bin/postgres_exporter');
  await link('/usr/bin/prometheus-redis-exporter', 'bin/redis_exporter');
  // The upstream redis_exporter image is FROM scratch with the binary at /; the plan probes that path.
  await link('/usr/bin/prometheus-redis-exporter', 'redis_exporter');
  await link('/usr/bin/prometheus-node-exporter', 'bin/node_exporter');
  await link('/usr/bin/prometheus-blackbox-exporter', 'bin/blackbox_exporter');
  for (const d of ['data', 'usr/local/etc/haproxy', 'usr/local/etc/redis', 'etc/prometheus', 'etc/alertmanager', 'prometheus', 'alertmanager', 'var/run/postgresql', 'var/lib/postgresql/data']) {
    await fs.ensureDir(path.join(rootfs, d));
  }
  await $`chroot ${rootfs} sh -c ${'chown -R postgres:postgres /var/run/postgresql /var/lib/postgresql && chmod 2777 /var/run/postgresql && chown nobody /prometheus /alertmanager && chown redis:redis /data'}`;
  // Debian's package made a cluster under /var/lib/postgresql/15/main; containers use their own data dir.
  await fs.remove(path.join(rootfs, 'var/lib/postgresql/15'));
  await fs.writeFile(path.join(rootfs, 'usr/local/bin/docker-entrypoint.sh'), POSTGRES_ENTRYPOINT, { mode: 0o755 });
  for (const bin of ['postgres', 'initdb', 'pg_ctl', 'pg_dump', 'pg_restore', 'pg_isready', 'psql', 'pg_basebackup']) {
    await link(`/usr/lib/postgresql/15/bin/${bin}`, `usr/local/bin/${bin}`);
  }
}

// The official image's contract, small: initdb on an empty PGDATA with POSTGRES_USER / _DB /
// _PASSWORD(_FILE), then each /docker-entrypoint-initdb.d/*.sh sourced while a socket-only server
// runs (with the container's arguments, so its config applies), then exec postgres with them.
// The local socket authenticates by peer (the container's postgres account), never trust.
const POSTGRES_ENTRYPOINT = `#!/bin/sh
set -eu
export PGDATA="\${PGDATA:-/var/lib/postgresql/data}"
if [ "\${1:-postgres}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="\${POSTGRES_USER:-postgres}"; db="\${POSTGRES_DB:-$user}"
  pw="\${POSTGRES_PASSWORD:-}"
  if [ -n "\${POSTGRES_PASSWORD_FILE:-}" ]; then pw="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
  pwfile="$(mktemp)"; printf '%s' "$pw" > "$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -A scram-sha-256 --auth-local=peer >/dev/null
  rm -f "$pwfile"
  printf "host all all all scram-sha-256\\n" >> "$PGDATA/pg_hba.conf"
  printf "listen_addresses = '*'\\n" >> "$PGDATA/postgresql.conf"
  if [ "$db" != postgres ]; then
    postgres --single -D "$PGDATA" -c config_file="$PGDATA/postgresql.conf" postgres >/dev/null <<EOF
CREATE DATABASE "$db" OWNER "$user";
EOF
  fi
  if ls /docker-entrypoint-initdb.d/*.sh >/dev/null 2>&1; then
    [ "\${1:-}" = postgres ] && shift
    pg_ctl -D "$PGDATA" -w -o "$* -c listen_addresses=''" start >/dev/null
    for f in /docker-entrypoint-initdb.d/*.sh; do echo "running $f"; . "$f"; done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    set -- postgres "$@"
  fi
fi
[ "\${1:-}" = postgres ] && shift && exec postgres "$@"
exec "$@"
`;

async function buildRootfsImage(name, spec, mirror) {
  const ref = `${REPO_PREFIX}/${name}:${SUITE}`;
  if (!force && (await imageHash(ref)) === scriptHash) {
    console.log(`reuse   ${ref}`);
    return ref;
  }
  const started = Date.now();
  const rootfs = await fs.mkdtemp(path.join(os.tmpdir(), `prodctl-rootfs-${name}-`));
  try {
    await $`debootstrap --variant=minbase --include=${spec.include.join(',')} ${SUITE} ${rootfs} ${mirror}`;
    await spec.fixup(rootfs);
    // Shrink: apt caches and docs are not needed at run time.
    await $`rm -rf ${path.join(rootfs, 'var/cache/apt/archives')}/*.deb ${path.join(rootfs, 'var/lib/apt/lists')} ${path.join(rootfs, 'usr/share/doc')} ${path.join(rootfs, 'usr/share/man')}`;
    await $`tar -C ${rootfs} -c . | docker import --change ${`LABEL prodctl.build-hash=${scriptHash}`} --change ${'ENV PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin'} - ${ref}`;
    console.log(`built   ${ref} in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    return ref;
  } finally {
    await $`rm -rf ${rootfs}`.nothrow();
  }
}

/** One small image per service on top of the shared services rootfs: its entrypoint, cmd and user. */
async function tagServiceImages(servicesRef) {
  for (const [name, s] of Object.entries(SERVICE_TAGS)) {
    const ref = `${REPO_PREFIX}/${name}:${SUITE}`;
    if (!force && (await imageHash(ref)) === tagHash) continue;
    const dockerfile = [
      `FROM ${servicesRef}`,
      `LABEL prodctl.build-hash=${tagHash}`,
      ...(SERVICE_LAYERS[name]?.run ? [`RUN ${SERVICE_LAYERS[name].run}`] : []),
      ...(SERVICE_LAYERS[name]?.workdir ? [`WORKDIR ${SERVICE_LAYERS[name].workdir}`] : []),
      `USER ${s.user}`,
      `ENTRYPOINT ${JSON.stringify(s.entrypoint)}`,
      `CMD ${JSON.stringify(s.cmd)}`,
      '',
    ].join('\n');
    await $({ input: dockerfile, env: { ...process.env, DOCKER_BUILDKIT: '0' } })`docker build -q -t ${ref} -`;
    console.log(`tagged  ${ref}`);
  }
}

// Only what runtime/Dockerfile copies goes into the context (no .git, dist or tests).
const RUNTIME_CONTEXT = ['package.json', 'package-lock.json', 'tsconfig.json', 'node_modules', 'contract', 'runtime'];

/** Hash of the runtime's sources and lock file: an unchanged runtime reuses its image. */
async function hashRuntimeSources() {
  const files = (await $({ cwd: repo })`find contract runtime package.json package-lock.json tsconfig.json -type f`).stdout.split('\n').filter(Boolean).sort();
  const h = createHash('sha256').update(scriptHash);
  for (const f of files) h.update(f).update(await fs.readFile(path.join(repo, f)));
  return h.digest('hex').slice(0, 12);
}

async function buildRuntimeImage(nodeRef) {
  const dockerfile = path.join(repo, 'runtime/Dockerfile');
  if (!(await fs.pathExists(dockerfile))) {
    console.log('skip    runtime image: runtime/Dockerfile does not exist yet');
    return;
  }
  const tag = process.env.PRODCTL_RUNTIME_TAG ?? 'test';
  const ref = `${REPO_PREFIX}/runtime:${tag}`;
  const sourceHash = await hashRuntimeSources();
  if (!force && (await imageHash(ref)) === sourceHash) {
    console.log(`reuse   ${ref}`);
    return;
  }
  const started = Date.now();
  const sha = (await $`git -C ${repo} rev-parse --short=12 HEAD`.nothrow()).stdout.trim() || 'dev';
  // The context goes in as a tar on stdin; the Dockerfile is read from inside it.
  await $({ cwd: repo, env: { ...process.env, DOCKER_BUILDKIT: '0' } })`tar -c ${RUNTIME_CONTEXT} | docker build -q --label ${`prodctl.build-hash=${sourceHash}`} --build-arg BASE_IMAGE=${nodeRef} -f runtime/Dockerfile -t ${REPO_PREFIX}/runtime:${sha} -t ${ref} -`;
  console.log(`built   ${ref} (${sha}) in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  // The rebuild moved the tag: the image it left untagged is ours and unused by any container now
  // (prune skips those), and on a machine that builds often they piled up (84 of them, 10.5 GB).
  // Tagged builds stay: a deployed stack may roll back to one.
  const pruned = await $`docker image prune -f --filter ${'label=prodctl.build-hash'}`.nothrow();
  const reclaimed = /Total reclaimed space: (.+)/.exec(pruned.stdout)?.[1];
  if (reclaimed && reclaimed !== '0B') console.log(`pruned  untagged prodctl images (${reclaimed})`);
}

// Base images are keyed by what goes into them (packages, fixups, entrypoints), so editing the
// runtime step of this script does not rebuild them.
const scriptHash = createHash('sha256')
  .update(JSON.stringify({ SUITE, SERVICE_TAGS, ROOTFS }))
  .update(fixupNode.toString())
  .update(fixupServices.toString())
  .update(POSTGRES_ENTRYPOINT)
  .digest('hex')
  .slice(0, 12);

// The per-service layers: a change there rebuilds only those small images.
const tagHash = createHash('sha256').update(scriptHash).update(JSON.stringify(SERVICE_LAYERS)).digest('hex').slice(0, 12);

const t0 = Date.now();
const mirror = await readDebianMirror();
const [nodeRef, servicesRef] = await Promise.all([buildRootfsImage('node', ROOTFS.node, mirror), buildRootfsImage('services', ROOTFS.services, mirror)]);
await tagServiceImages(servicesRef);
if (!args.has('--no-runtime')) await buildRuntimeImage(nodeRef);
console.log(`images ready in ${((Date.now() - t0) / 1000).toFixed(0)}s`);
