// TLS on an HAProxy edge container: the state folder's certificate folder and ACME map are
// bind-mounted where the rendered haproxy.cfg loads them (read-only), owned by the container's
// user with mode 0600/0700. They are mounted, not copied into the content-addressed config
// folder: a renewal swaps the certificate in memory (runtime API) and replaces the file, and a
// container the engine restarts later must load that file, not the one it was created with.
import { chownSync } from 'node:fs';
import { ConfigError } from '../../lib/errors.js';
import { installEdgeCert } from '../../edge/tls/manage-certs.js';
import { tlsPaths } from '../../edge/tls/cert-store.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import type { ServicePlan, StackPlan } from '../../plan/types.js';
import { EDGE_ACME_MAP, EDGE_CERT_DIR } from '../../templates/tls-ciphers.js';
import { parseNumericUser } from './container-spec.js';

export interface BindMount {
  Type: 'bind';
  Source: string;
  Target: string;
  ReadOnly: boolean;
}

/** Pure: does this service need the certificate mounts (an HAProxy edge with TLS on)? */
export function needsEdgeTls(plan: StackPlan, s: ServicePlan): boolean {
  const p = plan.profile;
  return s.role === 'edge' && !!p?.edge?.tls && p.edge.kind === 'haproxy' && tlsSettings(p).enabled;
}

/** Puts the certificate (placeholder, issued or the user's files) and the map in place; returns the mounts. */
export async function stageEdgeTls(plan: StackPlan, s: ServicePlan, stateDir: string): Promise<BindMount[]> {
  if (!needsEdgeTls(plan, s)) return [];
  const paths = tlsPaths(stateDir);
  const p = plan.profile;
  const certFile = await installEdgeCert(paths, p.edge.tls, p.project.domains, plan.profileDir);
  const user = parseNumericUser(s.user);
  if (!user) throw new ConfigError(`${s.name}: user '${s.user}' is not a numeric uid:gid`, 'the HAProxy edge with TLS on runs as a numeric user (the plan sets 65534:65534)');
  const { uid, gid } = user;
  try {
    for (const f of [paths.certDir, certFile, paths.acmeMap]) chownSync(f, uid, gid);
  } catch (err) {
    throw new ConfigError(`cannot hand ${paths.certDir} to the edge's user ${uid}:${gid}: ${(err as Error).message}`, 'run prodctl as root (or as a user allowed to chown) for a Docker edge with TLS on');
  }
  return [
    { Type: 'bind', Source: paths.certDir, Target: EDGE_CERT_DIR, ReadOnly: true },
    { Type: 'bind', Source: paths.acmeMap, Target: EDGE_ACME_MAP, ReadOnly: true },
  ];
}
