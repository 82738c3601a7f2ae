// TLS on the HAProxy edge needs the certificate folder and the ACME map inside the edge's
// filesystem. The native target puts them there before HAProxy starts and the docker target
// bind-mounts them into the edge container (docker/edge-tls-files.ts); Swarm does not yet ship them
// to its nodes, where HAProxy would refuse to start on `bind … ssl crt`.
// Refused before anything changes, where a stack is brought up: render and check still show the
// TLS configuration for any target.
import { ConfigError } from '../lib/errors.js';
import { tlsSettings } from '../plan/tls-settings.js';
import type { StackPlan } from '../plan/types.js';

export function assertEdgeTlsSupported(plan: StackPlan): void {
  const p = plan.profile;
  // Plans made by hand for an engine (no profile behind them) carry no edge TLS settings.
  if (!p?.edge?.tls) return;
  if (p.edge.kind !== 'haproxy' || plan.target !== 'swarm' || !tlsSettings(p).enabled) return;
  throw new ConfigError(
    `edge.tls.mode is ${p.edge.tls.mode} with the HAProxy edge on target ${plan.target}: prodctl does not yet ship certificates to Swarm nodes, so HAProxy would not start`,
    'set edge.tls.mode: off and terminate TLS in front of the stack, use edge.kind: traefik, or run the stack with target: docker or native (docs/tls.md)',
  );
}
