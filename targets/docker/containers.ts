// Small adapter functions over dockerode for containers: find, create+start, wait healthy,
// stop, last log lines, address on a network.
import type Docker from 'dockerode';
import { TargetError } from '../../lib/errors.js';
import type { ContainerSpec } from './container-spec.js';
import { LABEL, projectFilter } from '../../engine/labels.js';

export type ContainerInfo = Docker.ContainerInfo;

export async function listServiceContainers(docker: Docker, project: string, service?: string, all = false): Promise<ContainerInfo[]> {
  const list = await docker.listContainers({ all, filters: projectFilter(project, service ? [`${LABEL.service}=${service}`] : []) });
  return list.filter((c) => c.Labels[LABEL.oneOff] !== 'true' && c.Labels[LABEL.lock] !== 'true').sort((a, b) => a.Created - b.Created);
}

export async function createAndStart(docker: Docker, spec: ContainerSpec): Promise<Docker.Container> {
  let c: Docker.Container | undefined;
  try {
    c = await docker.createContainer({ name: spec.name, ...spec.body } as Docker.ContainerCreateOptions);
    for (const n of spec.extraNetworks) await docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { Aliases: n.aliases } });
    await c.start();
    return c;
  } catch (err) {
    // The engine refusing a container (bad image, entrypoint, limit) is a deploy failure, not a prodctl bug.
    await c?.remove({ force: true }).catch(() => undefined);
    const reason = ((err as { json?: { message?: string } }).json?.message ?? (err as Error).message).trim();
    throw new TargetError(`the engine could not start ${spec.name} (${String(spec.body.Image)}): ${reason}`, 'check the image, its entrypoint and the limits in the plan');
  }
}

/** Docker's own health status; containers without a healthcheck count as healthy once running. */
export async function waitHealthy(docker: Docker, id: string, timeoutMs: number, extra?: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'starting';
  while (Date.now() < deadline) {
    const info = await docker.getContainer(id).inspect();
    if (!info.State.Running) throw new TargetError(`container ${info.Name.slice(1)} exited (code ${info.State.ExitCode})`, 'see its last log lines below', await readLogTail(docker, id));
    last = info.State.Health?.Status ?? 'healthy';
    if (last === 'healthy' && (!extra || (await extra()))) return;
    await sleep(250);
  }
  const info = await docker.getContainer(id).inspect();
  const probe = info.State.Health?.Log?.at(-1);
  const probeLine = probe ? [`health check (exit ${probe.ExitCode}): ${probe.Output.trim() || '(no output)'}`] : [];
  throw new TargetError(`container ${info.Name.slice(1)} did not turn healthy within ${Math.round(timeoutMs / 1000)}s (last status: ${last})`, 'see its last log lines below; raise deploy.timeout if it is only slow', [...(await readLogTail(docker, id)), ...probeLine]);
}

/** SIGTERM, then SIGKILL after the container's stop timeout; then remove it. */
export async function stopAndRemove(docker: Docker, id: string, stopTimeoutS?: number): Promise<void> {
  const c = docker.getContainer(id);
  try {
    await c.stop(stopTimeoutS === undefined ? {} : { t: stopTimeoutS });
  } catch (err) {
    if (!isStatus(err, 304) && !isStatus(err, 404)) throw err;
  }
  try {
    await c.remove({ force: true });
  } catch (err) {
    if (!isStatus(err, 404) && !isStatus(err, 409)) throw err;
  }
}

export async function readLogTail(docker: Docker, id: string, lines = 30): Promise<string[]> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
    return demuxLogs(buf).split('\n').filter((l) => l.trim() !== '').slice(-lines);
  } catch {
    return [];
  }
}

/** Non-TTY logs come framed: [stream, 0, 0, 0, size(4 bytes BE)] + payload. */
export function demuxLogs(buf: Buffer): string {
  let out = '';
  let i = 0;
  while (i + 8 <= buf.length && buf[i] <= 2 && buf[i + 1] === 0) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString('utf8');
    i += 8 + size;
  }
  return i === 0 ? buf.toString('utf8') : out;
}

export async function addressOn(docker: Docker, id: string, network: string): Promise<string> {
  const info = await docker.getContainer(id).inspect();
  const ip = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!ip) throw new TargetError(`container ${info.Name.slice(1)} has no address on ${network}`, 'check the plan networks of the edge and the API');
  return ip;
}

export function isStatus(err: unknown, code: number): boolean {
  return (err as { statusCode?: number })?.statusCode === code;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
