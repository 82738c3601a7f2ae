// The API key of the status probe on the native stack: the profile's slo.probes.api_key_secret,
// or a key the stack mints once for the prodctl-probe user and keeps in its config folder (0600),
// so the authenticated probe works without a manual `prodctl keys create`.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { secretFileOf } from '../../plan/secret-file.js';
import type { StackPlan } from '../../plan/types.js';
import type { NativeState } from '../../state/native-state.js';
import { PROBE_USER, probesEnabled } from '../../templates/monitoring/blackbox.js';
import { readSecretValue, type NativeEnv } from './native-context.js';
import { LOOPBACK } from './process-specs.js';
import type { NativePaths } from './supervisor/paths.js';

const PEPPER_SECRET = 'api_key_pepper';

/** Where the blackbox exporter reads the key; null when there is no status probe (probes off, or API keys off). */
export function nativeProbeKeyFile(plan: StackPlan, paths: NativePaths): string | null {
  const pr = plan.profile.slo.probes;
  if (!probesEnabled(plan)) return null;
  if (pr.api_key_secret) return secretFileOf(plan, pr.api_key_secret) ?? null;
  if (!plan.profile.api.auth.api_keys || !plan.profile.secrets[PEPPER_SECRET]) return null;
  return path.join(paths.configDir, 'blackbox', 'probe-api-key');
}

/** Mints the probe's key when the stack keeps its own and has none yet. */
export async function ensureProbeKey(env: NativeEnv, state: NativeState, pgPassword: string): Promise<string[]> {
  const file = nativeProbeKeyFile(env.plan, env.paths);
  if (!file || env.plan.profile.slo.probes.api_key_secret || existsSync(file)) return [];
  const { createApiKey } = await import('../../runtime/core/api-keys.js');
  const p = env.plan.profile.postgres;
  const pool = new pg.Pool({ host: LOOPBACK, port: state.ports.postgres, user: p.user, database: p.database, password: pgPassword, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => {});
  try {
    const k = await createApiKey(pool, PROBE_USER, readSecretValue(env.plan, PEPPER_SECRET));
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, k.key, { mode: 0o600 });
    return [`minted the status probe's API key ${k.prefix}… (user ${PROBE_USER})`];
  } finally {
    await pool.end().catch(() => {});
  }
}
