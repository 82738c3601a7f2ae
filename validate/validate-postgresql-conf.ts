// Proof that the rendered postgresql.conf is what Postgres accepts and means: start a throwaway
// server from Debian's binaries with it (only port, listen address and socket folder overridden
// for the probe), read every setting back from pg_settings and compare, then remove it all.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findPgBin, initPostgres, startPostgres, type LocalPostgres } from '../lib/local-postgres.js';
import { chownTree, serviceUser } from '../lib/system-user.js';
import { RENDER_PATHS } from '../plan/file-paths.js';
import type { StackPlan } from '../plan/types.js';
import { logTail, normalisePgValue, parseConfFile } from './conf-file.js';
import type { ValidationResult } from './types.js';

const NAME = 'postgresql.conf (real postgres)';
/** Set on the probe's command line, so they are checked for having been read, not for their value. */
const PROBE_OVERRIDES = new Set(['port', 'listen_addresses', 'unix_socket_directories', 'data_directory']);

interface PgSetting {
  name: string;
  setting: string;
  unit: string | null;
  vartype: string;
  source: string;
}

export async function validatePostgresqlConf(renderedDir: string, plan: StackPlan): Promise<ValidationResult> {
  const file = path.join(renderedDir, RENDER_PATHS.postgresConf);
  if (!existsSync(file)) return { name: NAME, ok: false, details: [`${file} not found — run prodctl render first`] };
  try {
    findPgBin('initdb', plan.profile.postgres.version);
    findPgBin('postgres', plan.profile.postgres.version);
  } catch {
    return { name: NAME, ok: true, skipped: 'postgres binaries not found — apt-get install -y postgresql', details: [] };
  }
  const wanted = parseConfFile(readFileSync(file, 'utf8'), '=');
  const root = mkdtempSync(path.join(os.tmpdir(), 'prodctl-validate-pg-'));
  let server: LocalPostgres | null = null;
  try {
    chownTree(root, serviceUser('postgres'));
    const dataDir = path.join(root, 'data');
    await initPostgres({ dataDir, version: plan.profile.postgres.version });
    // a copy inside the probe's folder: readable by the postgres account when we are root
    const conf = path.join(root, 'postgresql.conf');
    copyFileSync(file, conf);
    chownTree(root, serviceUser('postgres'));
    const logFile = path.join(root, 'postgres.log');
    try {
      server = await startPostgres({ dataDir, settings: { config_file: conf }, logFile, version: plan.profile.postgres.version });
    } catch (err) {
      return { name: NAME, ok: false, details: [`postgres refused to start with it: ${(err as Error).message}`, ...logTail(logFile)] };
    }
    const { settings, fileErrors } = await readSettings(server.connectionString());
    const details = [...fileErrors, ...compareSettings(wanted, settings)];
    return { name: NAME, ok: details.length === 0, details: details.length ? details : [`${wanted.size} settings read back equal from postgres ${plan.profile.postgres.version}`] };
  } finally {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function readSettings(url: string): Promise<{ settings: Map<string, PgSetting>; fileErrors: string[] }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query<PgSetting>('SELECT name, setting, unit, vartype, source FROM pg_settings')).rows;
    const errs = (await c.query<{ name: string | null; error: string }>('SELECT name, error FROM pg_file_settings WHERE error IS NOT NULL')).rows;
    // overridden on the probe's command line: "could not be applied" is expected for those
    const fileErrors = errs.filter((e) => !PROBE_OVERRIDES.has(e.name ?? '')).map((e) => `${e.name ?? '(file)'}: ${e.error}`);
    // pg_settings spells a few names in mixed case (TimeZone, DateStyle); the file may not
    return { settings: new Map(rows.map((r) => [r.name.toLowerCase(), r])), fileErrors };
  } finally {
    await c.end();
  }
}

/** One line per setting that the server does not hold as the file says. */
export function compareSettings(wanted: Map<string, string>, actual: Map<string, PgSetting>): string[] {
  const problems: string[] = [];
  for (const [name, value] of wanted) {
    const s = actual.get(name.toLowerCase());
    if (!s) {
      problems.push(`${name}: unknown to this postgres`);
      continue;
    }
    if (PROBE_OVERRIDES.has(name)) continue;
    if (s.source !== 'configuration file') {
      problems.push(`${name}: source is '${s.source}', expected the configuration file`);
      continue;
    }
    const want = normalisePgValue(value, s.unit, s.vartype);
    const got = normalisePgValue(s.setting, s.unit, s.vartype);
    if (want !== got) problems.push(`${name}: file says ${value}, server holds ${s.setting}${s.unit ? ` × ${s.unit}` : ''}`);
  }
  return problems;
}

