// Uptime seen from outside: the blackbox exporter's modules (blackbox/blackbox.yml) and the
// Prometheus jobs that make it probe the edge's public /readyz and one authenticated status call.
// A probe goes through the edge like a user's request, so an outage that no request reached (the
// edge down, every replica gone) still counts against the probe_availability SLO. Pure.
import { stringify } from 'yaml';
import { HEALTH_PATHS } from '../../contract/index.js';
import { tlsSettings } from '../../plan/tls-settings.js';
import type { StackPlan } from '../../plan/types.js';
import { parseDuration } from '../../profile/units.js';
import type { RenderedFile } from '../types.js';
import { formatPromSeconds } from './monitoring-settings.js';

export const BLACKBOX_PORT = 9115;
export const BLACKBOX_CONFIG = 'blackbox/blackbox.yml';
/** The user the status probe's API key acts as. */
export const PROBE_USER = 'prodctl-probe';
/** A job id that never exists: an authenticated status call answers 404, a refused key 401. */
export const PROBE_STATUS_PATH = '/v1/jobs/00000000-0000-0000-0000-000000000000';

export const PROBES = {
  readyz: { job: 'probe_readyz', module: 'edge_readyz', path: HEALTH_PATHS.ready },
  status: { job: 'probe_status', module: 'edge_status', path: PROBE_STATUS_PATH },
} as const;
export type ProbeName = keyof typeof PROBES;
/** probe_success of every edge probe: the probe_availability SLO and the live check read this. */
export const PROBE_SUCCESS_SELECTOR = 'probe_success{job=~"probe_readyz|probe_status"}';
/** Target label naming the exporter that runs the probe (native: file_sd; engines: the service). */
const EXPORTER_LABEL = '__probe_exporter';

/** Where the edge is reached from the prober: the public scheme, host and port. */
export interface EdgeAddress {
  host: string;
  httpPort: number;
  httpsPort?: number;
}

export function probesEnabled(plan: StackPlan): boolean {
  return plan.profile.monitoring.enabled && plan.profile.slo.probes.enabled;
}

/** The probe URLs: HTTPS when the edge terminates TLS (then the probe also reports the certificate's expiry). */
export function probeUrls(plan: StackPlan, edge: EdgeAddress): Record<ProbeName, string> {
  const tls = tlsSettings(plan.profile).enabled && edge.httpsPort !== undefined;
  const base = tls ? `https://${edge.host}:${edge.httpsPort}` : `http://${edge.host}:${edge.httpPort}`;
  return { readyz: `${base}${PROBES.readyz.path}`, status: `${base}${PROBES.status.path}` };
}

/** The engine targets' API key file for the status probe: a profile secret, or none (no status probe). */
export function engineProbeKeyFile(plan: StackPlan): string | null {
  const name = plan.profile.slo.probes.api_key_secret;
  return name ? `/run/secrets/${name}` : null;
}

export function renderBlackboxConfig(plan: StackPlan, keyFile: string | null): RenderedFile {
  const pr = plan.profile.slo.probes;
  const tls = tlsSettings(plan.profile);
  const tlsConfig = tls.enabled ? { tls_config: { server_name: tls.domains[0], insecure_skip_verify: pr.tls_insecure_skip_verify, min_version: 'TLS12' } } : {};
  const http = (codes: number[], extra: Record<string, unknown>) => ({
    prober: 'http',
    timeout: formatPromSeconds(parseDuration(pr.timeout) / 1000),
    http: { method: 'GET', valid_status_codes: codes, preferred_ip_protocol: 'ip4', ip_protocol_fallback: false, follow_redirects: false, ...(tls.enabled ? { fail_if_not_ssl: true } : {}), ...tlsConfig, ...extra },
  });
  const modules: Record<string, unknown> = { [PROBES.readyz.module]: http([200], {}) };
  // 404 with a body naming not_found: the key was accepted and the API looked the job up.
  if (keyFile) modules[PROBES.status.module] = http([404], { bearer_token_file: keyFile, fail_if_body_not_matches_regexp: ['not_found'] });
  const head = '# Blackbox exporter modules: the edge probed from outside. Rendered by prodctl from the profile; edit the profile, not this file.\n';
  return { path: BLACKBOX_CONFIG, content: head + stringify({ modules }, { lineWidth: 0, aliasDuplicateObjects: false }) };
}

/** Which probes run: /readyz always, the status call when the prober has a key. */
export function listProbes(hasKey: boolean): ProbeName[] {
  return hasKey ? ['readyz', 'status'] : ['readyz'];
}

/** One Prometheus job per probe. Native reads targets from file_sd (ports are picked at `up`); engines name the service. */
export function buildProbeScrapeConfigs(plan: StackPlan, hasKey: boolean, discoveryRefresh: string): Record<string, unknown>[] {
  const pr = plan.profile.slo.probes;
  const interval = parseDuration(pr.interval) / 1000;
  const timeout = Math.min(interval, parseDuration(pr.timeout) / 1000 + 1);
  return listProbes(hasKey).map((name) => {
    const p = PROBES[name];
    const discovery =
      plan.target === 'native'
        ? { file_sd_configs: [{ files: [`targets/${p.job}.json`], refresh_interval: discoveryRefresh }] }
        : { static_configs: [{ targets: [probeUrls(plan, engineEdgeAddress(plan))[name]], labels: { [EXPORTER_LABEL]: `blackbox-exporter:${BLACKBOX_PORT}` } }] };
    return {
      job_name: p.job,
      metrics_path: '/probe',
      params: { module: [p.module] },
      scrape_interval: formatPromSeconds(interval),
      scrape_timeout: formatPromSeconds(timeout),
      ...discovery,
      relabel_configs: [
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { source_labels: [EXPORTER_LABEL], target_label: '__address__' },
      ],
    };
  });
}

/** The native target's file_sd entries for the probe jobs. */
export function nativeProbeTargets(plan: StackPlan, edge: EdgeAddress, exporter: string, hasKey: boolean): Record<string, unknown[]> {
  const urls = probeUrls(plan, edge);
  return Object.fromEntries(listProbes(hasKey).map((n) => [PROBES[n].job, [{ targets: [urls[n]], labels: { [EXPORTER_LABEL]: exporter, project: plan.project } }]]));
}

/** Inside the engine's network the edge is the `edge` service on its container ports. */
function engineEdgeAddress(plan: StackPlan): EdgeAddress {
  const edge = plan.services.find((s) => s.name === 'edge');
  const port = (n: string, d: number) => edge?.ports.find((x) => x.name === n)?.port ?? d;
  return { host: 'edge', httpPort: port('http', 8080), httpsPort: port('https', 8443) };
}
