// vitest globalSetup: ONE 3-node swarm per suite run, handed to the swarm tests through provide().
// It starts only when a swarm test file is in the run (PRODCTL_SWARM_TESTS is set by the files'
// pattern below) so the rest of the suite does not pay for it. Torn down afterwards: no node
// containers or volumes are left.
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';
import { formSwarm, loadImages, removeNodes, startNode, type SwarmCluster } from './swarm-cluster.js';

export const SWARM_IMAGES = [
  'prodctl-local/runtime:test', 'prodctl-local/postgres:bookworm', 'prodctl-local/redis:bookworm', 'prodctl-local/haproxy:bookworm',
  'prodctl-local/prometheus:bookworm', 'prodctl-local/alertmanager:bookworm', 'prodctl-local/postgres-exporter:bookworm',
  'prodctl-local/redis-exporter:bookworm', 'prodctl-local/node-exporter:bookworm',
];

declare module 'vitest' {
  export interface ProvidedContext {
    swarm: SwarmCluster | null;
  }
}

/** The live swarm tests (test/swarm/live-*.test.ts) are in the run: named, under a named folder, or a whole run. */
function swarmTestsSelected(): boolean {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('-') && a !== 'run' && a !== 'watch' && !a.includes('vitest'));
  return files.length === 0 || files.some((f) => f.includes('live-swarm') || 'test/swarm/live-swarm'.startsWith(f.replace(/^\.\//, '').replace(/\/$/, '')));
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // For working on the tests: PRODCTL_SWARM_CLUSTER=<json> reuses a running swarm (not torn down).
  if (process.env.PRODCTL_SWARM_CLUSTER) {
    project.provide('swarm', JSON.parse(process.env.PRODCTL_SWARM_CLUSTER) as SwarmCluster);
    return async () => undefined;
  }
  if (!swarmTestsSelected()) {
    project.provide('swarm', null);
    return async () => undefined;
  }
  const started = Date.now();
  const runId = `${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
  const lock = path.join(os.tmpdir(), 'prodctl-build-images.lock');
  await execa('flock', [lock, 'node', 'scripts/build-images.mjs'], { stdio: 'inherit' });
  const image = (await execa('node', ['scripts/build-swarm-node.mjs'])).stdout.trim().split('\n').pop()!;
  try {
    const nodes = await Promise.all([1, 2, 3].map((i) => startNode(image, runId, i)));
    await formSwarm(nodes);
    await loadImages(nodes, SWARM_IMAGES);
    const cluster: SwarmCluster = { manager: `tcp://${nodes[0].ip}:2375`, nodes, runId };
    console.log(`swarm: 3 nodes ready in ${((Date.now() - started) / 1000).toFixed(0)} s (manager ${cluster.manager})`);
    project.provide('swarm', cluster);
  } catch (err) {
    await removeNodes(runId);
    throw err;
  }
  return () => removeNodes(runId);
}
