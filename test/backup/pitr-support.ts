// What the point-in-time tests share: a profile folder the postgres account can use (Postgres runs
// `prodctl wal-push` as that account), a Postgres started with the WAL settings the native target
// gives it, a writer that records when each row was sent and acknowledged, and "the host dies".
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { initPostgres, startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { prodctlArgv } from '../../lib/prodctl-argv.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';
import { computePlan } from '../../plan/compute-plan.js';
import { loadProfile } from '../../profile/load-profile.js';
import { postgresSettings, type SpecInput } from '../../targets/native/process-specs.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { walArchiveSettings } from '../../templates/postgres/wal-archive-settings.js';
import { makeTempDir } from '../support/services.js';

export const repo = path.resolve(import.meta.dirname, '../..');
const bin = path.join(repo, 'bin/prodctl.js');

export interface PitrEnv {
  dir: string;
  profile: string;
  state: string;
  cli(args: string[], opts?: { reject?: boolean }): ReturnType<typeof execa>;
}

/** A profile with backup.wal on, its secrets and backups folder, all usable by the postgres account. */
export function makePitrEnv(archiveTimeout: string): PitrEnv {
  const dir = makeTempDir('prodctl-pitr-');
  const profile = path.join(dir, 'prodctl.yaml');
  const fixture = readFileSync(path.join(repo, 'test/fixtures/backup/prodctl.yaml'), 'utf8');
  writeFileSync(profile, `${fixture.replace('  verify_after_backup: false', `  verify_after_backup: false\n  wal: { archive: true, archive_timeout: ${archiveTimeout} }`)}`);
  mkdirSync(path.join(dir, 'secrets'));
  const exampleSecrets = path.join(repo, 'examples/small/example-secrets');
  for (const s of readdirSync(exampleSecrets).filter((f) => f !== 'README.md')) copyFileSync(path.join(exampleSecrets, s), path.join(dir, 'secrets', s));
  writeFileSync(path.join(dir, 'secrets/backup_key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  mkdirSync(path.join(dir, 'backups'));
  mkdirSync(path.join(dir, 'uploads'));
  // The postgres account runs wal-push / wal-fetch: it reads the profile and key, writes the target.
  chownTree(dir, serviceUser('postgres'));
  chmodSync(dir, 0o755);
  const state = path.join(dir, 'state');
  return {
    dir,
    profile,
    state,
    cli: (args, opts = {}) => execa('node', [bin, '-f', profile, '--state-dir', state, ...args], { reject: opts.reject ?? true, env: { NO_COLOR: '1' } }),
  };
}

/** The archive settings the native target starts Postgres with: rendered block + its `-c archive_command`. */
export async function nativeWalSettings(env: PitrEnv): Promise<Record<string, string>> {
  const loaded = await loadProfile({ path: env.profile, sets: [] });
  const plan = computePlan(loaded.profile, { preset: loaded.preset, profileDir: loaded.dir });
  const settings: Record<string, string> = {};
  for (const s of walArchiveSettings(plan)) settings[s.name] = s.value.replace(/^'(.*)'$/s, '$1').replace(/''/g, "'");
  const input = { plan, paths: nativePaths(env.state), state: { ports: { postgres: 5432 } }, prodctl: prodctlArgv({ profilePath: env.profile, stateDir: env.state }) } as unknown as SpecInput;
  const flags = postgresSettings(input, '/dev/null');
  const cmd = flags.find((f) => f.startsWith('archive_command='));
  if (!cmd) throw new Error('the native target gave Postgres no archive_command');
  settings.archive_command = cmd.slice('archive_command='.length);
  return settings;
}

export async function startArchivingPostgres(env: PitrEnv): Promise<LocalPostgres> {
  const dataDir = path.join(env.dir, 'pgdata');
  await initPostgres({ dataDir });
  return startPostgres({ dataDir, settings: { ...(await nativeWalSettings(env)), max_connections: 50 }, logFile: path.join(env.dir, 'postgres.log') });
}

export interface Tick {
  id: number;
  sentAt: number;
  ackAt: number;
}

/** Inserts one row every `everyMs` in its own transaction until stopped; records each ack. */
export function startWriter(url: string, everyMs: number): { ticks: Tick[]; stop(): Promise<void> } {
  const ticks: Tick[] = [];
  let running = true;
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  const loop = (async () => {
    await c.connect();
    while (running) {
      const sentAt = Date.now();
      try {
        const r = await c.query<{ id: number }>('INSERT INTO ticks (sent_at) VALUES (to_timestamp($1 / 1000.0)) RETURNING id', [sentAt]);
        ticks.push({ id: r.rows[0].id, sentAt, ackAt: Date.now() });
      } catch {
        return; // the server died
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    ticks,
    async stop() {
      running = false;
      await loop;
      await c.end().catch(() => {});
    },
  };
}

/** The process tree under `pid`, from the process table. */
function treeOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    all.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return all;
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * "The host dies": the postmaster and every process under it (archiver, a running wal-push) at once.
 * SIGSTOP first, until the tree stops growing (a stopped process cannot start a wal-push that would
 * escape the listing and finish after "the host died"), then SIGKILL to all of them.
 */
export function killTree(pid: number): void {
  let tree = treeOf(pid);
  for (;;) {
    signalAll(tree, 'SIGSTOP');
    const again = treeOf(pid);
    if (again.every((p) => tree.includes(p))) break;
    tree = [...new Set([...tree, ...again])];
  }
  signalAll(tree, 'SIGKILL');
}

/** Waits until Postgres reports the segment holding `lsn` archived. */
export async function waitArchived(c: pg.Client, walfile: string, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const r = await c.query<{ w: string | null }>('SELECT last_archived_wal AS w FROM pg_stat_archiver');
    if (r.rows[0].w && r.rows[0].w.slice(0, 24) >= walfile) return Date.now() - start;
    if (Date.now() - start > timeoutMs) throw new Error(`${walfile} not archived within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
