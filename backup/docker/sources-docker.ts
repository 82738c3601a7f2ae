// The live stack on the Docker target as backup sources, behind the same BackupSources interface
// as the native endpoints: containers are found by the labels prodctl puts on them
// (prodctl.project / prodctl.service), Postgres is dumped and restored by pg_dump/pg_restore
// inside its container, the RDB and the blobs move through the engine's archive endpoints. The
// SQL and Redis protocol sessions (snapshot, table checksums, BGSAVE, key copy, maintenance flag)
// go to the containers' addresses on the stack network, which the engine's host can reach.
import type Docker from 'dockerode';
import { createEngine } from '../../engine/engine.js';
import { BackupError } from '../../lib/errors.js';
import { LABEL, projectFilter } from '../../engine/labels.js';
import type { PartName } from '../manifest.js';
import type { BackupSources } from '../sources.js';
import { createDockerBlobAccess, openContainerFile } from './files-docker.js';
import { createDockerPgTools } from './pg-tools-docker.js';

export interface DockerStackAccess {
  docker: Docker;
  project: string;
  postgres: { user: string; password?: string; database: string; port: number };
  redis: { password?: string; port: number };
  /** The uploads path inside the api/worker containers (profile storage.uploads_path). */
  uploadsPath: string;
}

interface Found {
  id: string;
  name: string;
  address: string;
}

/** The first running container of a service that is not a one-off or a lock holder. */
async function findService(a: DockerStackAccess, services: string[]): Promise<Found> {
  for (const service of services) {
    const list = await a.docker.listContainers({ filters: projectFilter(a.project, [`${LABEL.service}=${service}`]) });
    const c = list.filter((x) => x.Labels[LABEL.oneOff] !== 'true' && x.Labels[LABEL.lock] !== 'true' && x.State === 'running').sort((x, y) => x.Created - y.Created)[0];
    if (!c) continue;
    const nets = Object.entries(c.NetworkSettings?.Networks ?? {}).sort(([x], [y]) => x.localeCompare(y));
    const address = nets.map(([, n]) => n.IPAddress).find(Boolean);
    if (!address) throw new BackupError(`container ${c.Names[0]?.slice(1)} has no network address`, 'is it attached to the stack network?');
    return { id: c.Id, name: c.Names[0]?.slice(1) ?? c.Id.slice(0, 12), address };
  }
  throw new BackupError(`no running ${services.join(' or ')} container of project ${a.project} on the Docker engine`, 'bring the stack up with `prodctl up`, or check DOCKER_HOST');
}

/** The stack on the engine at DOCKER_HOST (the one the docker target deploys to). */
export function resolveEngineSources(a: Omit<DockerStackAccess, 'docker'>, parts: PartName[]): Promise<BackupSources> {
  return resolveDockerSources({ ...a, docker: createEngine() }, parts);
}

export async function resolveDockerSources(a: DockerStackAccess, parts: PartName[]): Promise<BackupSources> {
  const sources: BackupSources = {};
  if (parts.includes('postgres')) {
    const pg = await findService(a, ['postgres']);
    sources.postgres = {
      conn: { host: pg.address, port: a.postgres.port, user: a.postgres.user, password: a.postgres.password, database: a.postgres.database },
      tools: createDockerPgTools(a.docker, pg.id),
    };
  }
  if (parts.includes('redis')) {
    const r = await findService(a, ['redis']);
    sources.redis = { conn: { host: r.address, port: a.redis.port, password: a.redis.password }, openFile: (p) => openContainerFile(a.docker, r.id, p) };
  }
  if (parts.includes('files')) {
    // api and worker both mount the uploads volume; either one will do.
    const holder = await findService(a, ['api', 'worker']);
    sources.files = { uploadsDir: a.uploadsPath, access: createDockerBlobAccess(a.docker, holder.id, a.uploadsPath, holder.name) };
  }
  return sources;
}
