// The nodes' own engines: where images are loaded when there is no registry, and where volumes a
// non-root service writes are created and handed to its user before the first task mounts them.
// A node's engine is `tcp://<node address>:2375`, or the URL in its `prodctl.engine` node label.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { TargetError } from '../../lib/errors.js';
import type { Logger } from '../../lib/log.js';
import { createEngine } from '../../engine/engine.js';

export const NODE_ENGINE_LABEL = 'prodctl.engine';

export interface NodeEngine {
  id: string;
  hostname: string;
  labels: Record<string, string>;
  docker: Docker;
}

interface NodeInfo {
  ID: string;
  Description?: { Hostname?: string };
  Spec?: { Labels?: Record<string, string>; Availability?: string };
  Status?: { State?: string; Addr?: string };
}

/** Ready, active nodes of the swarm with a client for each one's engine. */
export async function openNodeEngines(manager: Docker): Promise<NodeEngine[]> {
  const nodes = (await manager.listNodes()) as NodeInfo[];
  return nodes
    .filter((n) => n.Status?.State === 'ready' && n.Spec?.Availability !== 'drain')
    .map((n) => {
      const url = n.Spec?.Labels?.[NODE_ENGINE_LABEL] ?? `tcp://${n.Status?.Addr}:2375`;
      return { id: n.ID, hostname: n.Description?.Hostname ?? n.ID, labels: n.Spec?.Labels ?? {}, docker: createEngine({ DOCKER_HOST: url }) };
    });
}

/** A registry host in the reference (`host.tld/…`, `host:5000/…`, `localhost/…`): the nodes pull it themselves. */
export function namesRegistry(image: string): boolean {
  const first = image.split('/')[0];
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
}

async function imageId(docker: Docker, ref: string): Promise<string | null> {
  return (await docker.getImage(ref).inspect().catch(() => null))?.Id ?? null;
}

/**
 * Gets each image onto every node, engine to engine (`docker save` from the source engine, once,
 * into `docker load` on each node that lacks it), and verifies it by image id. Nodes that already
 * hold that id are left alone. Images that name a registry are left to the nodes to pull.
 */
export async function distributeImages(source: Docker, nodes: NodeEngine[], images: string[], log: Logger, changes: string[]): Promise<void> {
  for (const ref of [...new Set(images)].filter((i) => !namesRegistry(i))) {
    const want = (await imageId(source, ref)) ?? (await imageId(nodes[0].docker, ref));
    if (!want) throw new TargetError(`image ${ref} is on neither the local engine nor node ${nodes[0]?.hostname}`, 'build it first (`prodctl build`), or name a registry in images.* so the nodes can pull it');
    const missing = [];
    for (const n of nodes) if ((await imageId(n.docker, ref)) !== want) missing.push(n);
    if (missing.length === 0) continue;
    if ((await imageId(source, ref)) !== want) throw new TargetError(`image ${ref} differs between nodes and the local engine has not got it`, 'build it locally so prodctl can load it into every node');
    log.info(`image ${ref}: loading into ${missing.map((n) => n.hostname).join(', ')}`);
    // One `docker save` to a temporary file, read once per node: the source engine exports once.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodctl-image-'));
    try {
      const tar = path.join(dir, 'image.tar');
      await pipeline(await source.getImage(ref).get(), fs.createWriteStream(tar));
      await Promise.all(missing.map((n) => loadInto(n, tar, ref, want)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const n of missing) changes.push(`image ${ref}: loaded into ${n.hostname}`);
  }
}

async function loadInto(n: NodeEngine, tar: string, ref: string, want: string): Promise<void> {
  const out = await n.docker.loadImage(fs.createReadStream(tar));
  await new Promise((resolve, reject) => {
    out.on('end', resolve).on('error', reject);
    out.resume();
  });
  const got = await imageId(n.docker, ref);
  if (got !== want) throw new TargetError(`image ${ref} on node ${n.hostname} is ${got ?? 'missing'}, expected ${want}`, "check the node's disk and engine, then deploy again");
}
