// A real 3-node Docker Swarm on this host: three Docker-in-Docker node containers (the offline
// image of scripts/build-swarm-node.mjs) that form one swarm, node 1 the manager. The flags are
// the ones that work on this kernel (--privileged does not: CAP_SYS_RESOURCE is not in the
// bounding set); /var/lib/docker is a named volume so dockerd can use overlay2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface SwarmNode {
  container: string;
  hostname: string;
  ip: string;
  /** Host loopback port published to the node's port 80 (where a host-mode edge listens). */
  httpPort: number;
}

export interface SwarmCluster {
  manager: string;
  nodes: SwarmNode[];
  runId: string;
}

const NODE_FLAGS = [
  '--cap-add', 'ALL', '--cap-drop', 'SYS_RESOURCE',
  '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', '--security-opt', 'systempaths=unconfined',
  '--device-cgroup-rule', 'a *:* rwm',
];

const docker = (args: string[], input?: string) => execa('docker', args, { input, reject: true });

export async function startNode(image: string, runId: string, i: number): Promise<SwarmNode> {
  const container = `prodctl-swarm-${runId}-n${i}`;
  await docker([
    'run', '-d', '--name', container, '--hostname', container, ...NODE_FLAGS,
    '-v', `${container}:/var/lib/docker`, '-p', '127.0.0.1::80',
    '--label', 'prodctl.test=swarm-node', image,
  ]);
  const ip = (await docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', container])).stdout.trim();
  const port = (await docker(['port', container, '80/tcp'])).stdout.trim().split('\n')[0].split(':').pop();
  await waitFor(async () => (await execa('docker', ['exec', container, 'docker', 'info'], { reject: false })).exitCode === 0, 60_000, `dockerd in ${container}`);
  return { container, hostname: container, ip, httpPort: Number(port) };
}

export async function formSwarm(nodes: SwarmNode[]): Promise<void> {
  const [first, ...rest] = nodes;
  await docker(['exec', first.container, 'docker', 'swarm', 'init', '--advertise-addr', 'eth0']);
  const token = (await docker(['exec', first.container, 'docker', 'swarm', 'join-token', '-q', 'worker'])).stdout.trim();
  await Promise.all(rest.map((n) => docker(['exec', n.container, 'docker', 'swarm', 'join', '--token', token, `${first.ip}:2377`])));
  await waitFor(async () => {
    const out = (await docker(['exec', first.container, 'docker', 'node', 'ls', '--format', '{{.Status}}'])).stdout;
    return out.split('\n').filter((l) => l.trim() === 'Ready').length === nodes.length;
  }, 90_000, `${nodes.length} swarm nodes Ready`);
}

/** `docker save` once into a file, `docker load` from it into every node in parallel (no registry here). */
export async function loadImages(nodes: SwarmNode[], images: string[]): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prodctl-swarm-images-'));
  try {
    const tar = path.join(dir, 'images.tar');
    await execa('docker', ['save', '-o', tar, ...images]);
    await Promise.all(nodes.map((n) => execa('docker', ['exec', '-i', n.container, 'docker', 'load', '-q'], { inputFile: tar })));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function removeNodes(runId: string): Promise<void> {
  const names = (await execa('docker', ['ps', '-aq', '--filter', `name=prodctl-swarm-${runId}-`], { reject: false })).stdout.split('\n').filter(Boolean);
  if (names.length) await execa('docker', ['rm', '-f', '-v', ...names], { reject: false });
  // A just-removed node's volume can still be busy for a moment: retry until none is left.
  for (let i = 0; i < 10; i++) {
    const vols = (await execa('docker', ['volume', 'ls', '-q', '--filter', `name=prodctl-swarm-${runId}-`], { reject: false })).stdout.split('\n').filter(Boolean);
    if (vols.length === 0) return;
    await execa('docker', ['volume', 'rm', '-f', ...vols], { reject: false });
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
