// Every validation of a rendered folder, by the real parser or the published schema. A validation
// whose program is missing is reported as skipped, with why and the command that installs it.
import type { StackPlan } from '../plan/types.js';
import { validateAlertmanagerAmtool, validateAlertmanagerSchema } from './validate-alertmanager.js';
import { validateCompose } from './validate-compose.js';
import { validateDockerStack } from './validate-docker-stack.js';
import { validateGrafanaDashboards } from './validate-grafana.js';
import { validateHaproxy } from './validate-haproxy.js';
import { validateK6 } from './validate-k6.js';
import { validatePostgresqlConf } from './validate-postgresql-conf.js';
import { validatePrometheusConfig, validatePrometheusRules } from './validate-prometheus.js';
import { validateRedisConf } from './validate-redis-conf.js';
import { validateTraefikDynamic, validateTraefikStatic } from './validate-traefik.js';
import type { ValidationResult } from './types.js';

type Validator = (renderedDir: string, plan: StackPlan) => ValidationResult | Promise<ValidationResult>;

/** id (for --only) → validator, in the order results are printed. */
export const VALIDATORS: Record<string, Validator> = {
  compose: (dir) => validateCompose(dir),
  'docker-stack': validateDockerStack,
  'traefik-static': (dir) => validateTraefikStatic(dir),
  'traefik-dynamic': (dir) => validateTraefikDynamic(dir),
  haproxy: (dir) => validateHaproxy(dir),
  'prometheus-config': validatePrometheusConfig,
  'prometheus-rules': validatePrometheusRules,
  'alertmanager-schema': validateAlertmanagerSchema,
  'alertmanager-amtool': validateAlertmanagerAmtool,
  'grafana-dashboards': validateGrafanaDashboards,
  k6: (dir) => validateK6(dir),
  postgresql: validatePostgresqlConf,
  redis: validateRedisConf,
};

export const VALIDATOR_IDS = Object.keys(VALIDATORS);

export async function runValidations(renderedDir: string, plan: StackPlan, opts: { only?: string[] } = {}): Promise<ValidationResult[]> {
  const ids = opts.only?.length ? VALIDATOR_IDS.filter((id) => opts.only!.includes(id)) : VALIDATOR_IDS;
  const results: ValidationResult[] = [];
  // One at a time: the Postgres and Redis probes start real servers, and the machine may be small.
  for (const id of ids) {
    try {
      results.push(await VALIDATORS[id](renderedDir, plan));
    } catch (err) {
      results.push({ name: id, ok: false, details: [`validator crashed: ${(err as Error).message}`] });
    }
  }
  return results;
}
