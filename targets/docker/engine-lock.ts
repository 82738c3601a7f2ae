// The deploy lock kept on the engine host itself: a created-but-never-started container whose
// name is the lock (the engine creates names atomically) and whose labels say who holds it.
import type Docker from 'dockerode';
import type { LockInfo, LockStore } from '../../state/lock.js';
import { isStatus } from './containers.js';
import { LABEL } from '../../engine/labels.js';

export function createEngineLockStore(docker: Docker, project: string, image: () => Promise<string>): LockStore {
  const name = `${project}-prodctl-lock`;
  return {
    async create(info: LockInfo) {
      try {
        await docker.createContainer({
          name,
          Image: await image(),
          Cmd: ['true'],
          Labels: { [LABEL.project]: project, [LABEL.lock]: 'true', 'prodctl.lock.info': JSON.stringify(info) },
          HostConfig: { NetworkMode: 'none' },
        });
        return true;
      } catch (err) {
        if (isStatus(err, 409)) return false;
        throw err;
      }
    },
    async read() {
      try {
        const info = await docker.getContainer(name).inspect();
        return JSON.parse(info.Config.Labels['prodctl.lock.info'] ?? 'null') as LockInfo | null;
      } catch (err) {
        if (isStatus(err, 404)) return null;
        throw err;
      }
    },
    async remove() {
      await docker.getContainer(name).remove({ force: true }).catch((err) => {
        if (!isStatus(err, 404)) throw err;
      });
    },
    describe: () => `container ${name} on the engine host`,
  };
}
