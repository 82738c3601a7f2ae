// `prodctl restore --to-time / --to-lsn`: the newest base backup before the target, unpacked into a
// fresh data folder, WAL replayed from the archive through `prodctl wal-fetch` up to the target,
// promoted, checked, and shut down cleanly so the stack can start on it. Nothing live is touched:
// the caller decides whether the folder replaces the stack's (see cli/run-restore-pitr.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BackupError } from '../../lib/errors.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';
import { listSets } from '../catalog.js';
import { checkChecksums, checkKey } from '../check-checksums.js';
import type { BaseBackupInfo } from '../manifest.js';
import { computeTableSums } from '../parts/pg-checksums.js';
import type { BackupStore } from '../stores/types.js';
import { readObject, type StreamCodec } from '../stream/pipeline.js';
import { listWal } from '../wal/wal-archive.js';
import { walFetchCommand } from '../../plan/wal-commands.js';
import { describeTarget, walPastBase, pickBaseBackup, type PitrTarget } from './pick-base.js';
import { readRecoveryStop, startRecoveryServer, waitForPromotion, type RecoveryServer } from './recovery-server.js';

export interface PitrOptions {
  store: BackupStore;
  key: Buffer | null;
  target: PitrTarget;
  /** Fresh data folder to create (must not exist, or be empty). */
  dataDir: string;
  /** argv of prodctl for restore_command (profile, state folder, store options). */
  prodctl: string[];
  timeoutMs?: number;
  onStep?: (msg: string) => void;
}

export interface PitrResult {
  setId: string;
  base: BaseBackupInfo;
  target: string;
  dataDir: string;
  walSegmentsArchived: number;
  stoppedAt: string | null;
  lastCommit: string | null;
  timeline: number;
  tables: number;
  rows: number;
  databases: string[];
  durationMs: number;
}

/** Every row of every table read back (a damaged page fails here), and the promoted timeline. */
async function readAllDatabases(server: RecoveryServer): Promise<Pick<PitrResult, 'timeline' | 'tables' | 'rows' | 'databases'>> {
  const admin = await server.connect();
  let databases: string[];
  let timeline: number;
  try {
    databases = (await admin.query<{ d: string }>('SELECT datname AS d FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1')).rows.map((r) => r.d);
    // The promotion's new timeline shows in the control file after its first checkpoint.
    await admin.query('CHECKPOINT');
    timeline = (await admin.query<{ t: number }>('SELECT timeline_id AS t FROM pg_control_checkpoint()')).rows[0].t;
  } finally {
    await admin.end().catch(() => {});
  }
  let tables = 0;
  let rows = 0;
  for (const d of databases) {
    const db = await server.connect(d);
    try {
      const sums = await computeTableSums(db);
      tables += Object.keys(sums).length;
      rows += Object.values(sums).reduce((a, t) => a + t.rows, 0);
    } finally {
      await db.end().catch(() => {});
    }
  }
  return { timeline, tables, rows, databases };
}

async function unpackBase(o: PitrOptions, base: BaseBackupInfo, plainSha256: string, codec: StreamCodec): Promise<void> {
  const user = serviceUser('postgres');
  if (existsSync(o.dataDir) && readdirSync(o.dataDir).length) throw new BackupError(`${o.dataDir} is not empty`, 'restore into a fresh folder');
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  chownTree(o.dataDir, user);
  // tar runs as the postgres account, so every file it creates is owned by it.
  const tar = spawn('tar', ['-x', '-C', o.dataDir, '-f', '-'], { uid: user?.uid, gid: user?.gid, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<void>((resolve, reject) => tar.on('close', (code) => (code === 0 ? resolve() : reject(new BackupError(`unpacking the base backup failed: ${stderr.trim()}`, 'check free space and permissions')))));
  const [fed, exited] = await Promise.allSettled([readObject(o.store, base.key, codec, tar.stdin), done]);
  if (exited.status === 'rejected') throw exited.reason;
  if (fed.status === 'rejected') throw new BackupError(`base backup ${base.key}: ${(fed.reason as Error).message}`, 'the set is damaged or the key is wrong');
  if (fed.value.sha256 !== plainSha256) throw new BackupError(`base backup ${base.key}: plain sha256 mismatch after decryption`, 'the set is damaged');
}

/** "2026-12-07 14:03:00.000+00": the server's GUC check rejects the ISO 'T…Z' spelling. */
export function pgTimestamp(d: Date): string {
  return `${d.toISOString().replace('T', ' ').replace('Z', '')}+00`;
}

/** Recovery settings as `-c` flags (one argv word each, unquoted): they do not stay in the folder after promotion. */
export function recoverySettings(target: PitrTarget, prodctl: string[]): Record<string, string> {
  return {
    restore_command: walFetchCommand(prodctl),
    ...(target.kind === 'time' ? { recovery_target_time: pgTimestamp(target.time) } : target.kind === 'lsn' ? { recovery_target_lsn: target.lsn } : {}),
    // Without a target (latest) Postgres promotes by itself at the end of the archive.
    ...(target.kind === 'latest' ? {} : { recovery_target_action: 'promote' }),
    recovery_target_timeline: 'current',
    // The restored server must not push its WAL into the archive while it replays it.
    archive_mode: 'off',
    hot_standby: 'on',
  };
}

export async function restoreToPoint(o: PitrOptions): Promise<PitrResult> {
  const started = Date.now();
  const step = o.onStep ?? (() => {});
  const m = pickBaseBackup(await listSets(o.store), o.target);
  const base = m.parts.postgres.base;
  step(`base backup ${m.id} (finished ${base.stopTime}, ${base.startWal} … ${base.stopWal})`);
  await checkChecksums(o.store, m, ['postgres']);
  checkKey(m, o.key);
  const chain = walPastBase(base, await listWal(o.store, base.stopWal.slice(0, 8)));
  if (chain.gap) step(`warning: archived WAL has a gap at ${chain.gap.missing}; replay cannot pass it`);
  const codec: StreamCodec = { compression: m.compression, key: o.key };
  const file = m.parts.postgres.files.find((f) => f.key === base.key)!;
  step(`unpacking the base backup into ${o.dataDir}`);
  try {
    return await unpackAndReplay(o, { setId: m.id, base, segments: chain.segments, plainSha256: file.plainSha256, codec, started }, step);
  } catch (err) {
    // The folder is ours (it was fresh): a failed restore leaves nothing half-recovered behind.
    rmSync(o.dataDir, { recursive: true, force: true });
    throw err;
  }
}

interface Picked {
  setId: string;
  base: BaseBackupInfo;
  segments: number;
  plainSha256: string;
  codec: StreamCodec;
  started: number;
}

async function unpackAndReplay(o: PitrOptions, p: Picked, step: (m: string) => void): Promise<PitrResult> {
  const { setId, base, segments } = p;
  await unpackBase(o, base, p.plainSha256, p.codec);
  writeFileSync(path.join(o.dataDir, 'recovery.signal'), '');
  chownTree(o.dataDir, serviceUser('postgres'));
  const workDir = mkdtempSync(path.join(path.dirname(path.resolve(o.dataDir)), '.pitr-'));
  const server = await startRecoveryServer({ dataDir: o.dataDir, workDir, settings: recoverySettings(o.target, o.prodctl) });
  try {
    step(`replaying archived WAL to ${describeTarget(o.target)}`);
    await waitForPromotion(server, o.timeoutMs ?? 3_600_000);
    step('promoted; reading every table of every database back');
    const read = await readAllDatabases(server);
    const stop = readRecoveryStop(readFileSync(server.logFile, 'utf8'));
    await server.stop();
    return {
      setId,
      base,
      target: describeTarget(o.target),
      dataDir: o.dataDir,
      walSegmentsArchived: segments,
      ...stop,
      ...read,
      durationMs: Date.now() - p.started,
    };
  } finally {
    await server.stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
  }
}
