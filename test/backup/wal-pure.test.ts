// The pure parts of WAL archiving and point-in-time restore, with exact expectations.
import { describe, expect, it } from 'vitest';
import type { SetInfo } from '../../backup/catalog.js';
import type { Manifest } from '../../backup/manifest.js';
import type { BaseBackupInfo } from '../../backup/manifest.js';
import { parseBasebackupLog } from '../../backup/parts/pg-basebackup.js';
import { pickBaseBackup, walPastBase } from '../../backup/pitr/pick-base.js';
import { pgTimestamp, recoverySettings } from '../../backup/pitr/restore-pitr.js';
import { readRecoveryStop } from '../../backup/pitr/recovery-server.js';
import { formatLsn, isArchivableName, parseLsn, segmentOfLsn, walKey, walkWalChain, walNameOfChild } from '../../backup/wal/wal-names.js';
import { parsePitrTarget } from '../../cli/run-restore-pitr.js';
import { checkCrossRules } from '../../profile/cross-rules.js';
import { renderPostgresqlConf } from '../../templates/postgres/render-postgresql-conf.js';
import { walPushCommand } from '../../plan/wal-commands.js';
import { postgresSettings, type SpecInput } from '../../targets/native/process-specs.js';
import { nativePaths } from '../../targets/native/supervisor/paths.js';
import { planFor } from '../observability/monitoring-fixtures.js';

const seg = (log: number, s: number, tli = 1) => `${tli.toString(16).toUpperCase().padStart(8, '0')}${log.toString(16).toUpperCase().padStart(8, '0')}${s.toString(16).toUpperCase().padStart(8, '0')}`;

describe('WAL names', () => {
  it('LSNs parse, print and map to their segment (16 MB segments, log wrap at FF)', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(segmentOfLsn(1, parseLsn('0/9000028'))).toBe('000000010000000000000009');
    expect(segmentOfLsn(3, parseLsn('1/FF000000'))).toBe('0000000300000001000000FF');
  });

  it('keys carry the timeline folder and the codec suffix; children map back to names', () => {
    expect(walKey('000000010000000000000009', { compression: 'zstd', key: Buffer.alloc(32) })).toBe('wal/00000001/000000010000000000000009.zst.enc');
    expect(walKey('00000002.history', { compression: 'none', key: null })).toBe('wal/00000002/00000002.history');
    expect(walNameOfChild('000000010000000000000009.gz.enc')).toBe('000000010000000000000009');
    expect(['000000010000000000000009', '00000002.history', '000000010000000000000009.00000028.backup', '000000010000000000000009.partial'].every(isArchivableName)).toBe(true);
    expect(['../etc/passwd', '00000001000000000000000', 'RECOVERYXLOG'].some(isArchivableName)).toBe(false);
  });

  it('the chain walks across the log boundary and reports the first gap, not a missing tail', () => {
    const names = [seg(0, 0xfe), seg(0, 0xff), seg(1, 0), seg(1, 2), seg(1, 3), seg(0, 0xfe, 2)];
    expect(walkWalChain(names, seg(0, 0xfe))).toEqual({ first: seg(0, 0xfe), last: seg(1, 0), segments: 3, gap: { missing: seg(1, 1), nextPresent: seg(1, 2) } });
    expect(walkWalChain(names.slice(0, 3), seg(0, 0xfe)).gap).toBeNull();
    expect(walkWalChain([], seg(0, 5))).toEqual({ first: seg(0, 5), last: null, segments: 0, gap: null });
  });
});

function base(stopTime: string, stopLsn: string, startWal = seg(0, 9), stopWal = seg(0, 9)): BaseBackupInfo {
  return { format: 'tar', key: 'k', timeline: 1, startLsn: '0/9000028', stopLsn, startWal, stopWal, walSegmentSize: 16 * 1024 * 1024, startTime: stopTime, stopTime };
}
function set(id: string, b: BaseBackupInfo | undefined, status: SetInfo['status'] = 'complete'): SetInfo {
  const manifest = { id, parts: { postgres: { base: b, files: [] } } } as unknown as Manifest;
  return { id, time: b?.stopTime ?? '', status, manifest, verify: null };
}

describe('picking the base backup', () => {
  const sets = [set('a', base('2026-12-07T10:00:00.000Z', '0/9000100')), set('b', base('2026-12-07T12:00:00.000Z', '0/B000100')), set('c', undefined), set('d', base('2026-12-07T11:00:00.000Z', '0/A000100'), 'corrupt')];

  it('the newest complete base backup that finished at or before the target', () => {
    expect(pickBaseBackup(sets, { kind: 'time', time: new Date('2026-12-07T11:59:59Z') }).id).toBe('a');
    expect(pickBaseBackup(sets, { kind: 'time', time: new Date('2026-12-07T12:00:00Z') }).id).toBe('b');
    expect(pickBaseBackup(sets, { kind: 'lsn', lsn: '0/AFFFFFF' }).id).toBe('a');
    expect(pickBaseBackup(sets, { kind: 'latest' }).id).toBe('b');
  });

  it('refuses, naming the oldest base backup, when none precedes the target', () => {
    expect(() => pickBaseBackup(sets, { kind: 'time', time: new Date('2026-12-07T09:00:00Z') })).toThrow('no base backup finished before 2026-12-07T09:00:00.000Z (the oldest finished at 2026-12-07T10:00:00.000Z)');
    expect(() => pickBaseBackup([set('c', undefined)], { kind: 'latest' })).toThrow('(no set has one)');
  });

  it('replay past the base backup reads the archive from its last segment on (the tar is consistent alone)', () => {
    const b = base('2026-12-07T10:00:00.000Z', '0/B000100', seg(0, 9), seg(0, 0xb));
    expect(walPastBase(b, [seg(0, 9), seg(0, 0xb), seg(0, 0xc)])).toMatchObject({ first: seg(0, 0xb), last: seg(0, 0xc), segments: 2, gap: null });
    expect(walPastBase(b, [seg(0, 0xb), seg(0, 0xd)]).gap).toEqual({ missing: seg(0, 0xc), nextPresent: seg(0, 0xd) });
    expect(walPastBase(b, []).segments).toBe(0);
  });
});

describe('pg_basebackup, recovery settings and targets', () => {
  it('reads the start and end points pg_basebackup --verbose prints', () => {
    const log = 'pg_basebackup: write-ahead log start point: 0/6000028 on timeline 1\npg_basebackup: write-ahead log end point: 0/6000100\n';
    expect(parseBasebackupLog(log)).toEqual({ startLsn: '0/6000028', timeline: 1, stopLsn: '0/6000100' });
    expect(() => parseBasebackupLog('pg_basebackup: base backup completed')).toThrow(/did not report/);
  });

  it('recovery settings: fetch through prodctl, stop at the target, promote, do not archive meanwhile', () => {
    const t = new Date('2026-12-07T14:03:00Z');
    expect(pgTimestamp(t)).toBe('2026-12-07 14:03:00.000+00');
    expect(recoverySettings({ kind: 'time', time: t }, ['/usr/bin/node', '/opt/prodctl/bin/prodctl.js', '-f', '/srv/my app/prodctl.yaml'])).toEqual({
      restore_command: "/usr/bin/node /opt/prodctl/bin/prodctl.js -f '/srv/my app/prodctl.yaml' wal-fetch %f %p",
      recovery_target_time: '2026-12-07 14:03:00.000+00',
      recovery_target_action: 'promote',
      recovery_target_timeline: 'current',
      archive_mode: 'off',
      hot_standby: 'on',
    });
    expect(recoverySettings({ kind: 'latest' }, ['prodctl'])).not.toHaveProperty('recovery_target_action');
    expect(readRecoveryStop('LOG:  recovery stopping before commit of transaction 810, time 2026-12-07 20:03:07.33+00\nLOG:  last completed transaction was at log time 2026-12-07 20:03:07.31+00\n')).toEqual({
      stoppedAt: 'recovery stopping before commit of transaction 810, time 2026-12-07 20:03:07.33+00',
      lastCommit: '2026-12-07 20:03:07.31+00',
    });
  });

  it('--to-time needs a zone; --to-time, --to-lsn and --latest exclude each other', () => {
    expect(parsePitrTarget({ toTime: '2026-12-07T14:03:00Z' })).toEqual({ kind: 'time', time: new Date('2026-12-07T14:03:00Z') });
    expect(parsePitrTarget({ toLsn: '0/3000060' })).toEqual({ kind: 'lsn', lsn: '0/3000060' });
    expect(() => parsePitrTarget({ toTime: '2026-12-07 14:03' })).toThrow(/not an ISO time with a zone/);
    expect(() => parsePitrTarget({ toLsn: 'nope' })).toThrow(/not an LSN/);
    expect(() => parsePitrTarget({ toTime: '2026-12-07T14:03:00Z', latest: true })).toThrow(/exclude each other/);
  });
});

describe('rendering and wiring', () => {
  const wal = { backup: { wal: { archive: true, archive_timeout: '30s', lag_alert_factor: 3 } } };

  it('postgresql.conf carries the archive block only when backup.wal.archive is on', () => {
    const on = renderPostgresqlConf(planFor('medium', wal)).content;
    expect(on).toContain("archive_mode = on\n");
    expect(on).toContain('archive_timeout = 30s\n');
    expect(on).toContain("archive_command = 'prodctl wal-push %p %f'\n");
    expect(renderPostgresqlConf(planFor('medium')).content).not.toContain('archive_');
  });

  it('the native target hands Postgres this prodctl with the profile and state folder', () => {
    const plan = planFor('small', wal);
    const prodctl = ['/usr/bin/node', '/opt/prodctl/bin/prodctl.js', '-f', '/srv/app/prodctl.yaml', '--state-dir', '/srv/app/.prodctl'];
    const flags = postgresSettings({ plan, paths: nativePaths('/srv/app/.prodctl'), state: { ports: { postgres: 5432 } }, prodctl } as unknown as SpecInput, '/x.conf');
    expect(flags).toContain(`archive_command=${walPushCommand(prodctl)}`);
    expect(walPushCommand(prodctl)).toBe('/usr/bin/node /opt/prodctl/bin/prodctl.js -f /srv/app/prodctl.yaml --state-dir /srv/app/.prodctl wal-push %p %f');
    expect(postgresSettings({ plan: planFor('small'), paths: nativePaths('/s'), state: { ports: { postgres: 5432 } }, prodctl } as unknown as SpecInput, '/x.conf').join(' ')).not.toContain('archive_command');
  });

  it('a profile with WAL archiving on a docker target is refused at backup.wal.archive', () => {
    const p = planFor('medium', { ...wal, target: 'docker' }).profile;
    expect(checkCrossRules(p).find((x) => x.path.join('.') === 'backup.wal.archive')?.message).toMatch(/expected false when target is docker/);
    expect(checkCrossRules(planFor('small', { ...wal, target: 'native' }).profile).find((x) => x.path.join('.') === 'backup.wal.archive')).toBeUndefined();
  });
});

describe('backup.target.object_lock', () => {
  const lock = { object_lock: { mode: 'governance', retain: '30d' } };
  it('is refused on a local target, naming the key', () => {
    const p = planFor('small', { backup: { target: { kind: 'local', path: '/var/backups/x', ...lock } } }).profile;
    expect(checkCrossRules(p).find((x) => x.path.join('.') === 'backup.target.object_lock')?.message).toBe('expected backup.target.kind s3: Object Lock is a bucket feature');
    const s3 = { kind: 's3', path: '/var/backups/x', s3: { region: 'us-east-1', bucket: 'pdf-backups', access_key_secret: 'postgres_password', secret_key_secret: 'redis_password' }, ...lock };
    expect(checkCrossRules(planFor('small', { backup: { target: s3 } }).profile).find((x) => x.path.join('.') === 'backup.target.object_lock')).toBeUndefined();
  });
});
