// argv that runs this very prodctl with a given profile and state folder: for commands other
// programs run on our behalf (Postgres' archive_command and restore_command).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function prodctlArgv(o: { profilePath: string; envName?: string; stateDir: string; extra?: string[] }): string[] {
  return [process.execPath, prodctlLauncher(), '-f', path.resolve(o.profilePath), ...(o.envName ? ['-e', o.envName] : []), '--state-dir', path.resolve(o.stateDir), ...(o.extra ?? [])];
}

/** bin/prodctl.js, the launcher users run: two folders up from dist/lib, one from lib/ (tests run the source). */
export function prodctlLauncher(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../bin/prodctl.js'), path.resolve(here, '../bin/prodctl.js')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0];
}
