// Labels prodctl puts on everything it creates: how it finds its containers again and how a
// release can be read back from the engine alone.
export const LABEL = {
  project: 'prodctl.project',
  service: 'prodctl.service',
  role: 'prodctl.role',
  version: 'prodctl.version',
  release: 'prodctl.release',
  planHash: 'prodctl.plan-hash',
  configHash: 'prodctl.config-hash',
  deployedBy: 'prodctl.deployed-by',
  deployedAt: 'prodctl.deployed-at',
  oneOff: 'prodctl.one-off',
  lock: 'prodctl.lock',
} as const;

export function projectFilter(project: string, extra: string[] = []): { label: string[] } {
  return { label: [`${LABEL.project}=${project}`, ...extra] };
}

/** The edge port whose runtime API the Docker target drives (HAProxy `stats socket ipv4@…`). */
export const ADMIN_PORT_NAME = 'admin';
