// Everything one native operation needs, resolved once: paths, binaries, secrets, state, the
// spec inputs. Shared by up, deploy, status and scale.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { prodctlArgv } from '../../lib/prodctl-argv.js';
import { ConfigError, TargetError } from '../../lib/errors.js';
import { serviceUser } from '../../lib/system-user.js';
import type { StackPlan } from '../../plan/types.js';
import { readNativeState, type NativeRelease, type NativeState } from '../../state/native-state.js';
import type { TargetContext } from '../types.js';
import { buildVersion } from './release-version.js';
import { resolveBinaries, type NativeComponent, type ResolvedBinaries } from './binaries.js';
import type { SpecInput } from './process-specs.js';
import { nativePaths, type NativePaths } from './supervisor/paths.js';
import { secretFileOf } from '../../plan/secret-file.js';
import { readSecret } from '../../lib/secrets.js';

export interface NativeSecrets {
  /** The service role's password (postgres.password_secret). */
  postgres: string;
  /** The postgres superuser's (postgres.superuser_password_secret). */
  postgresSuperuser: string;
  redis: string;
}

export function readSecretValue(plan: StackPlan, name: string): string {
  const file = secretFileOf(plan, name);
  if (!file) throw new ConfigError(`secret ${name} is not declared under secrets:`, `add secrets.${name}.file to the profile`);
  return readSecret(file, `secrets.${name}`);
}

export function readNativeSecrets(plan: StackPlan): NativeSecrets {
  const pg = plan.profile.postgres;
  return { postgres: readSecretValue(plan, pg.password_secret), postgresSuperuser: readSecretValue(plan, pg.superuser_password_secret), redis: readSecretValue(plan, plan.profile.redis.password_secret) };
}

/** The checkout / package holding dist/runtime: found by walking up from this module. */
export function findPackageRoot(from = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'prodctl') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new TargetError('cannot find the prodctl package folder', 'run prodctl from its checkout or installed package');
    dir = up;
  }
}

export function assertRuntimeBuild(build: string): void {
  for (const role of ['api', 'worker']) {
    const main = path.join(build, 'dist', 'runtime', role, 'main.js');
    if (!existsSync(main)) throw new TargetError(`no runtime build at ${build}: ${main} is missing`, 'build it with `npm run build` (or pass --build FOLDER holding dist/runtime)');
  }
}

/** The release `up` starts when none runs yet: this package's own runtime build. */
export function defaultRelease(): NativeRelease {
  const build = findPackageRoot();
  return { version: buildVersion(build), build, at: new Date().toISOString() };
}

export function wantedComponents(plan: StackPlan): NativeComponent[] {
  const c: NativeComponent[] = ['postgres', 'redis', 'edge', 'postgres-exporter', 'redis-exporter', 'node-exporter'];
  if (plan.profile.monitoring.enabled) c.push('prometheus', 'alertmanager');
  if (plan.profile.monitoring.enabled && plan.profile.slo.probes.enabled) c.push('blackbox-exporter');
  return c;
}

export interface NativeEnv {
  ctx: TargetContext;
  plan: StackPlan;
  paths: NativePaths;
  bins: ResolvedBinaries;
  skipped: Set<string>;
}

export function resolveNativeEnv(ctx: TargetContext): NativeEnv {
  const bins = resolveBinaries(wantedComponents(ctx.plan), ctx.plan.profile.postgres.version);
  const skipped = new Set<string>(Object.keys(bins.skipped));
  if (ctx.plan.profile.monitoring.grafana.enabled) skipped.add('grafana');
  return { ctx, plan: ctx.plan, paths: nativePaths(ctx.stateDir), bins, skipped };
}

/** PATH of every stack process: fixed, not the caller's. It is part of each spec's hash, so an
 *  `up` from another shell (or through `npm run`, which prepends node_modules/.bin) would otherwise
 *  restart the whole stack. Every binary is started by its absolute path anyway. */
export function stackPath(): string {
  return [path.dirname(process.execPath), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'].filter((d, i, all) => all.indexOf(d) === i).join(':');
}

export function specInput(env: NativeEnv, state: NativeState, configHashes: SpecInput['configHashes']): SpecInput {
  const pg = serviceUser('postgres');
  return {
    plan: env.plan,
    state,
    paths: env.paths,
    stateDir: env.ctx.stateDir,
    binaries: env.bins.found,
    postgresUser: pg ? { uid: pg.uid, gid: pg.gid } : null,
    configHashes,
    pathEnv: stackPath(),
    prodctl: env.ctx.profile ? prodctlArgv({ profilePath: env.ctx.profile.path, envName: env.ctx.profile.env, stateDir: env.ctx.stateDir }) : undefined,
  };
}

export function requireState(env: NativeEnv): NativeState {
  const s = readNativeState(env.paths.stateFile);
  if (!s) throw new TargetError(`no native stack in ${env.ctx.stateDir}`, 'start it with `prodctl up`');
  return s;
}
