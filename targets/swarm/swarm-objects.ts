// Networks, secrets and configs as Swarm objects. Secrets and configs are immutable in Swarm, so
// each is named by a hash of its content: a rotation or re-render is a new object, and the
// services that mount it get a rolling update. Objects no service uses any more are removed.
import type Docker from 'dockerode';
import { hashText } from '../docker/stage-files.js';
import { LABEL } from '../../engine/labels.js';
import { swarmName, type SwarmObjectRef } from './service-spec.js';

/** `<project>_<name>_<hash>`, within Swarm's 64-character limit for object names. */
export function objectName(project: string, name: string, content: Buffer | string): string {
  const hash = hashText(content).slice(0, 12);
  const base = `${project}_${name.replace(/[^A-Za-z0-9_.-]/g, '-')}`;
  return `${base.slice(0, 64 - hash.length - 1)}_${hash}`;
}

export async function ensureOverlayNetworks(docker: Docker, project: string, nets: { name: string; internal: boolean }[], changes: string[]): Promise<void> {
  const have = new Set((await docker.listNetworks({ filters: { driver: ['overlay'] } })).map((n) => n.Name));
  for (const n of nets) {
    const name = swarmName(project, n.name);
    if (have.has(name)) continue;
    await docker.createNetwork({ Name: name, Driver: 'overlay', Attachable: true, Internal: n.internal, Labels: { [LABEL.project]: project } });
    changes.push(`network ${name}: created (overlay${n.internal ? ', internal' : ''})`);
  }
}

type Kind = 'secret' | 'config';

/** Creates the object unless one of that name exists; returns its id and name. */
export async function ensureObject(docker: Docker, kind: Kind, project: string, name: string, content: Buffer, changes: string[]): Promise<SwarmObjectRef> {
  const full = objectName(project, name, content);
  const list = kind === 'secret' ? await docker.listSecrets({ filters: { name: [full] } }) : await docker.listConfigs({ filters: { name: [full] } });
  const found = (list as { ID: string; Spec?: { Name?: string } }[]).find((o) => o.Spec?.Name === full);
  if (found) return { id: found.ID, name: full };
  const spec = { Name: full, Labels: { [LABEL.project]: project }, Data: content.toString('base64') };
  const created = (kind === 'secret' ? await docker.createSecret(spec) : await docker.createConfig(spec)) as { id?: string; ID?: string };
  changes.push(`${kind} ${full}: created`);
  return { id: created.id ?? created.ID ?? '', name: full };
}

/** Removes this project's secrets and configs that no service refers to (a rotation's old objects). */
export async function pruneObjects(docker: Docker, project: string, inUse: Set<string>): Promise<void> {
  const filters = { label: [`${LABEL.project}=${project}`] };
  for (const s of (await docker.listSecrets({ filters })) as { ID: string; Spec?: { Name?: string } }[]) {
    if (!inUse.has(s.Spec?.Name ?? '')) await docker.getSecret(s.ID).remove().catch(() => undefined);
  }
  for (const c of (await docker.listConfigs({ filters })) as { ID: string; Spec?: { Name?: string } }[]) {
    if (!inUse.has(c.Spec?.Name ?? '')) await docker.getConfig(c.ID).remove().catch(() => undefined);
  }
}
