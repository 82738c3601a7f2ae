// Which Debian binaries the native stack runs, where they are, and the exact command that
// installs a missing one. Postgres, Redis and Node are required; the rest is skipped when missing.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { TargetError } from '../../lib/errors.js';

export type NativeComponent = 'postgres' | 'redis' | 'edge' | 'prometheus' | 'alertmanager' | 'postgres-exporter' | 'redis-exporter' | 'node-exporter' | 'blackbox-exporter';

interface BinarySpec {
  candidates: string[];
  aptPackage: string;
  required: boolean;
}

const BINARIES: Record<NativeComponent, BinarySpec> = {
  postgres: { candidates: [], aptPackage: 'postgresql', required: true },
  redis: { candidates: ['/usr/bin/redis-server'], aptPackage: 'redis-server', required: true },
  edge: { candidates: ['/usr/sbin/haproxy', '/usr/bin/haproxy'], aptPackage: 'haproxy', required: false },
  prometheus: { candidates: ['/usr/bin/prometheus'], aptPackage: 'prometheus', required: false },
  alertmanager: { candidates: ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'], aptPackage: 'prometheus-alertmanager', required: false },
  'postgres-exporter': { candidates: ['/usr/bin/prometheus-postgres-exporter'], aptPackage: 'prometheus-postgres-exporter', required: false },
  'redis-exporter': { candidates: ['/usr/bin/prometheus-redis-exporter'], aptPackage: 'prometheus-redis-exporter', required: false },
  'node-exporter': { candidates: ['/usr/bin/prometheus-node-exporter'], aptPackage: 'prometheus-node-exporter', required: false },
  'blackbox-exporter': { candidates: ['/usr/bin/prometheus-blackbox-exporter'], aptPackage: 'prometheus-blackbox-exporter', required: false },
};

export function installCommand(component: NativeComponent): string {
  return `apt-get install -y ${BINARIES[component].aptPackage}`;
}

/** The newest Postgres server binary folder (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBinDir(root = '/usr/lib/postgresql', preferred?: number): string | null {
  const versions = existsSync(root) ? readdirSync(root).map(Number).filter(Boolean).sort((a, b) => b - a) : [];
  const v = preferred && versions.includes(preferred) ? preferred : versions.find((x) => existsSync(path.join(root, String(x), 'bin', 'postgres')));
  return v ? path.join(root, String(v), 'bin') : null;
}

export interface ResolvedBinaries {
  found: Partial<Record<NativeComponent, string>>;
  /** component → why it is skipped, with the install command */
  skipped: Partial<Record<NativeComponent, string>>;
}

export function resolveBinaries(wanted: NativeComponent[], pgVersion?: number): ResolvedBinaries {
  const r: ResolvedBinaries = { found: {}, skipped: {} };
  const missingRequired: string[] = [];
  for (const c of wanted) {
    const spec = BINARIES[c];
    const bin = c === 'postgres' ? ((d) => (d ? path.join(d, 'postgres') : undefined))(postgresBinDir(undefined, pgVersion)) : spec.candidates.find((p) => existsSync(p));
    if (bin && existsSync(bin)) r.found[c] = bin;
    else if (spec.required) missingRequired.push(c);
    else r.skipped[c] = `not installed — ${installCommand(c)}`;
  }
  if (missingRequired.length) {
    const pkgs = missingRequired.map((c) => BINARIES[c as NativeComponent].aptPackage).join(' ');
    throw new TargetError(`required binaries missing for the native target: ${missingRequired.join(', ')}`, `install them: apt-get install -y ${pkgs}`);
  }
  return r;
}
