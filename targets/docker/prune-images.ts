// Keeps the images of the last N good releases (deploy.keep_images) and removes older ones that
// no container uses. Never fatal: a failed removal is logged and left for the next deploy.
import type Docker from 'dockerode';
import type { Logger } from '../../lib/log.js';
import { readReleases, selectVersionsToKeep } from '../../state/releases.js';

export async function pruneImages(docker: Docker, stateDir: string, keep: number, log: Logger): Promise<string[]> {
  const releases = readReleases(stateDir);
  const keepVersions = new Set(selectVersionsToKeep(releases, keep));
  const inUse = new Set((await docker.listContainers({ all: true })).map((c) => c.ImageID));
  const removed: string[] = [];
  const seen = new Set<string>();
  // Only releases older than the oldest kept good one are candidates: a newer failed release's
  // image may be fixed and redeployed, and is not ours to judge.
  const oldestKept = releases.findIndex((r) => r.outcome === 'applied' && keepVersions.has(r.version));
  for (const r of releases.slice(0, Math.max(0, oldestKept)).reverse()) {
    if (keepVersions.has(r.version) || !r.imageId || seen.has(r.imageId) || inUse.has(r.imageId)) continue;
    seen.add(r.imageId);
    if (releases.some((x) => keepVersions.has(x.version) && x.imageId === r.imageId)) continue;
    try {
      await docker.getImage(r.image).remove();
      removed.push(r.image);
      log.info(`removed old image ${r.image}`);
    } catch {
      // Already gone or still referenced elsewhere: nothing to do.
    }
  }
  return removed;
}
