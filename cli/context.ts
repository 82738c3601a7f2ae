// The explicit context every command receives: global flags resolved once, no module singletons.
import path from 'node:path';
import type { Command } from 'commander';
import { createLogger, type Logger } from '../lib/log.js';

export interface GlobalOptions {
  file?: string;
  env?: string;
  set?: string[];
  json?: boolean;
  verbose?: boolean;
  yes?: boolean;
  stateDir?: string;
}

export interface CliContext {
  cwd: string;
  profilePath: string;
  envName?: string;
  sets: string[];
  json: boolean;
  verbose: boolean;
  yes: boolean;
  stateDir: string;
  log: Logger;
}

export function createContext(cmd: Command): CliContext {
  const o = cmd.optsWithGlobals() as GlobalOptions;
  const cwd = process.cwd();
  const profilePath = path.resolve(cwd, o.file ?? 'prodctl.yaml');
  const stateDir = path.resolve(cwd, o.stateDir ?? process.env.PRODCTL_STATE_DIR ?? path.join(path.dirname(profilePath), '.prodctl'));
  return {
    cwd,
    profilePath,
    envName: o.env ?? process.env.PRODCTL_ENV,
    sets: o.set ?? [],
    json: Boolean(o.json),
    verbose: Boolean(o.verbose),
    yes: Boolean(o.yes) || process.env.PRODCTL_YES === '1',
    stateDir,
    log: createLogger({ verbose: o.verbose, quiet: Boolean(o.json) && !o.verbose }),
  };
}

/** A path as the user reads it: relative below the working folder, absolute elsewhere. */
export function displayPath(cwd: string, file: string): string {
  const rel = path.relative(cwd, file);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
}
