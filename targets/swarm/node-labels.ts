// `prodctl node label`: sets prodctl's labels on a swarm node through the manager, e.g.
// role=data (where Postgres, Redis and Prometheus are placed) → node label `prodctl.role=data`.
import type Docker from 'dockerode';
import { TargetError, UsageError } from '../../lib/errors.js';

/** Pure: ["role=data", "-zone"] → { set: { 'prodctl.role': 'data' }, remove: ['prodctl.zone'] }. */
export function parseNodeLabels(pairs: string[]): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const p of pairs) {
    const m = /^(-)?([a-z][a-z0-9_.-]*)(?:=([A-Za-z0-9_.:/-]*))?$/.exec(p);
    if (!m || (!m[1] && m[3] === undefined)) throw new UsageError(`cannot read "${p}"`, 'write key=value to set (role=data) or -key to remove');
    const key = m[2].startsWith('prodctl.') ? m[2] : `prodctl.${m[2]}`;
    if (m[1]) remove.push(key);
    else set[key] = m[3]!;
  }
  return { set, remove };
}

export async function labelNode(docker: Docker, node: string, change: { set: Record<string, string>; remove: string[] }): Promise<Record<string, string>> {
  const nodes = (await docker.listNodes()) as { ID: string; Version: { Index: number }; Spec: { Labels?: Record<string, string> }; Description?: { Hostname?: string } }[];
  const n = nodes.find((x) => x.ID === node || x.ID.startsWith(node) || x.Description?.Hostname === node);
  if (!n) throw new TargetError(`no swarm node "${node}"`, `one of: ${nodes.map((x) => x.Description?.Hostname ?? x.ID).join(', ')}`);
  const labels = { ...(n.Spec.Labels ?? {}), ...change.set };
  for (const k of change.remove) delete labels[k];
  await docker.getNode(n.ID).update({ version: n.Version.Index, ...n.Spec, Labels: labels });
  return labels;
}
