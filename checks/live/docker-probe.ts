// Adapter: `docker inspect` of the stack's containers through dockerode.
import Docker from 'dockerode';
import type { ContainerInspect } from './probes.js';

export async function inspectContainers(project: string, docker = new Docker()): Promise<ContainerInspect[] | null> {
  try {
    await docker.ping();
  } catch {
    return null;
  }
  // prodctl's Docker target labels its containers prodctl.project / prodctl.service; a stack
  // started with `docker compose` from the rendered file carries the compose labels instead.
  const byLabel = (label: string) => docker.listContainers({ filters: { label: [`${label}=${project}`] } });
  let list = await byLabel('prodctl.project');
  if (!list.length) list = await byLabel('com.docker.compose.project');
  const out: ContainerInspect[] = [];
  for (const c of list) {
    const i = await docker.getContainer(c.Id).inspect();
    const h = i.HostConfig;
    out.push({
      name: i.Name.replace(/^\//, ''),
      service: i.Config.Labels?.['prodctl.service'] ?? i.Config.Labels?.['com.docker.compose.service'] ?? i.Name.replace(/^\//, ''),
      memoryBytes: h.Memory ?? 0,
      nanoCpus: h.NanoCpus ?? 0,
      pidsLimit: h.PidsLimit ?? 0,
      readOnlyRootfs: h.ReadonlyRootfs === true,
      capDrop: h.CapDrop ?? [],
      securityOpt: h.SecurityOpt ?? [],
      privileged: h.Privileged === true,
      user: i.Config.User ?? '',
    });
  }
  return out;
}
