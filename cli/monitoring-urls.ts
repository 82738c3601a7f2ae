// Where Prometheus and Alertmanager answer: the flag, PRODCTL_<NAME>_URL, the native target's
// endpoints.json, then the profile's port on 127.0.0.1 (status, slo and check share this order).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { StackPlan } from '../plan/types.js';

export function resolveMonitoringUrl(plan: StackPlan, stateDir: string, which: 'prometheus' | 'alertmanager', flag?: string): string {
  const env = which === 'prometheus' ? process.env.PRODCTL_PROMETHEUS_URL : process.env.PRODCTL_ALERTMANAGER_URL;
  return trimSlash(flag ?? (env || undefined) ?? readEndpoints(stateDir)[which] ?? defaultUrl(plan, which));
}

/** `<state>/native/endpoints.json` (written by the native target at `up`): prometheus/alertmanager URLs. */
function readEndpoints(stateDir: string): { prometheus?: string; alertmanager?: string } {
  const file = path.join(stateDir, 'native', 'endpoints.json');
  if (!existsSync(file)) return {};
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as { prometheus?: { url?: string }; alertmanager?: { url?: string } };
    return { prometheus: e.prometheus?.url, alertmanager: e.alertmanager?.url };
  } catch {
    return {};
  }
}

function defaultUrl(plan: StackPlan, which: 'prometheus' | 'alertmanager'): string {
  const m = plan.profile.monitoring;
  return `http://127.0.0.1:${which === 'prometheus' ? m.prometheus_port : m.alertmanager_port}`;
}

function trimSlash(u: string): string {
  return u.replace(/\/+$/, '');
}
