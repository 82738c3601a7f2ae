// TLS on the HAProxy edge needs the certificate folder and the ACME map inside the edge's
// filesystem. The native target puts them there before HAProxy starts; the engine targets do not
// yet mount them into the edge container, where HAProxy would refuse to start on `bind … ssl crt`.
// Refused before anything changes, where a stack is brought up: render and check still show the
// TLS configuration for any target.
import { ConfigError } from '../lib/errors.js';
import { tlsSettings } from '../plan/tls-settings.js';
import type { StackPlan } from '../plan/types.js';

export function assertEdgeTlsSupported(plan: StackPlan): void {
  const p = plan.profile;
  // Plans made by hand for an engine (no profile behind them) carry no edge TLS settings.
  if (!p?.edge?.tls) return;
  if (p.edge.kind !== 'haproxy' || plan.target === 'native' || !tlsSettings(p).enabled) return;
  throw new ConfigError(
    `edge.tls.mode is ${p.edge.tls.mode} with the HAProxy edge on target ${plan.target}: prodctl does not yet mount certificates into the edge container, so HAProxy would not start`,
    'set edge.tls.mode: off and terminate TLS in front of the stack, use edge.kind: traefik, or run the stack with target: native (docs/tls.md)',
  );
}
