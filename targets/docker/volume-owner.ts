// A fresh named volume mounted where the image has no folder starts out owned by root, and a
// service that runs as a non-root user (the runtime as 10001 on /data/uploads) cannot write it.
// So each volume prodctl creates is handed to the user of the first service that mounts it, once,
// by a one-off container of that service's image (root with only CAP_CHOWN, no network).
import type Docker from 'dockerode';
import type { Logger } from '../../lib/log.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { readLogTail } from './containers.js';
import { LABEL } from '../../engine/labels.js';

export interface VolumeOwner {
  volume: string;
  user: string;
  image: string;
  target: string;
}

/** Pure: for each named volume, the numeric non-root user of the first service that writes to it. */
export function selectVolumeOwners(plan: StackPlan, volumes: string[], imageOf: (s: ServicePlan) => string): VolumeOwner[] {
  const out: VolumeOwner[] = [];
  for (const v of volumes) {
    for (const s of plan.services) {
      const m = s.volumes.find((x) => x.kind === 'volume' && x.source === v && !x.readOnly);
      if (!m || !/^[1-9]\d*(:\d+)?$/.test(s.user)) continue;
      out.push({ volume: v, user: s.user, image: imageOf(s), target: m.target });
      break;
    }
  }
  return out;
}

/** chown of the volume's root only (the image's own files, copied in on first mount, keep theirs). */
export async function assignVolumeOwners(docker: Docker, project: string, owners: VolumeOwner[], volumeName: (v: string) => string, log: Logger): Promise<void> {
  for (const o of owners) {
    const c = await docker.createContainer({
      name: `${project}-chown-${o.volume}-${Date.now().toString(36)}`,
      Image: o.image,
      Entrypoint: ['chown'],
      Cmd: [o.user, o.target],
      User: '0:0',
      Labels: { [LABEL.project]: project, [LABEL.oneOff]: 'true' },
      NetworkDisabled: true,
      HostConfig: { CapDrop: ['ALL'], CapAdd: ['CHOWN'], SecurityOpt: ['no-new-privileges:true'], Mounts: [{ Type: 'volume', Source: volumeName(o.volume), Target: o.target }] },
    });
    try {
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      // Not fatal: an image without chown still gets its health gate, which names the real problem.
      if (StatusCode !== 0) log.warn(`volume ${o.volume}: could not hand it to ${o.user} (chown exited ${StatusCode}: ${(await readLogTail(docker, c.id, 3)).join(' ')})`);
    } finally {
      await c.remove({ force: true }).catch(() => undefined);
    }
  }
}
