// `prodctl status` on Swarm: the nodes (role, availability, state) and the tasks on each node,
// with any rolling update in progress. Pure.
import type { NodeStatus, ServiceStatus } from '../../targets/types.js';
import type { Row, Section } from './rows.js';

export function formatSwarmSections(nodes: NodeStatus[], services: ServiceStatus[]): Section[] {
  const nodeRows: Row[] = nodes.map((n) => ({
    label: n.hostname,
    value: `${n.role}${n.leader ? ' (leader)' : ''}, ${n.availability}, ${n.state}${Object.keys(n.labels).length ? `, ${Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(' ')}` : ''}`,
    tone: n.state !== 'ready' ? 'bad' : n.availability !== 'active' ? 'warn' : 'ok',
  }));
  const taskRows: Row[] = nodes.map((n) => {
    const here = services.flatMap((s) => s.replicas.filter((r) => r.node === n.hostname).map((r) => `${r.id}${r.state === 'running' ? '' : ` (${r.state})`}`));
    return { label: n.hostname, value: here.join(' ') || 'no tasks', tone: here.length ? 'ok' : 'dim' };
  });
  const updates: Row[] = services
    .filter((s) => s.update && s.update.state !== 'completed')
    .map((s) => ({ label: s.name, value: `update ${s.update!.state}${s.update!.message ? `: ${s.update!.message}` : ''}`, tone: s.update!.state.startsWith('rollback') ? 'bad' : 'warn' }));
  return [
    { title: `Nodes (${nodes.length})`, rows: nodeRows },
    { title: 'Tasks per node', rows: [...taskRows, ...updates] },
  ];
}
