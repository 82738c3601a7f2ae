// Shared bits of live checks: reading the rendered app settings and turning probe errors into findings.
import { DEFAULT_QUEUE_NAME } from '../../contract/index.js';
import { ENV } from '../../contract/env.js';
import { roleOf } from '../service-view.js';
import { fail, type Finding, type LiveInput } from '../types.js';

export function appEnv(i: LiveInput, role: string, key: string): string | undefined {
  return i.parsed.services.find((s) => roleOf(s.name) === role)?.environment[key];
}

export function queueName(i: LiveInput): string {
  return appEnv(i, 'worker', ENV.queueName) || appEnv(i, 'api', ENV.queueName) || DEFAULT_QUEUE_NAME;
}

export function at(ep: { host: string; port: number } | undefined, what: string): string {
  return ep ? `${what} ${ep.host}:${ep.port}` : what;
}

/** Runs a probe; an unreachable system is a failure with the error as evidence. */
export async function probing(what: string, fn: () => Promise<Finding>): Promise<Finding> {
  try {
    return await fn();
  } catch (err) {
    return fail(`${what}: ${(err as Error).message}`);
  }
}
