// Exact expectations for the pure parts: schedule rendering, textfile metrics, key-count and
// table-sum diffs, pg_dump/pg_restore argv, set ids.
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { newSetId } from '../../backup/manifest.js';
import { describeMissing, judgeBlobRefs } from '../../backup/parts/blob-refs.js';
import { diffTableSums } from '../../backup/parts/pg-checksums.js';
import { pgDumpArgs, pgRestoreArgs } from '../../backup/parts/pg-tools.js';
import { diffKeyCounts, parseKeyspace, withoutMaintenanceKey } from '../../backup/parts/redis.js';
import { cronToOnCalendar, nextRunAfter, renderCronEntry, renderSystemdUnits } from '../../backup/schedule.js';
import { renderTextfile } from '../../backup/textfile.js';
import { zstdArgs } from '../../backup/stream/compress.js';

describe('schedule', () => {
  it.each([
    ['0 3 * * *', '*-*-* 03:00:00'],
    ['30 2 * * 1-5', 'Mon..Fri *-*-* 02:30:00'],
    ['*/15 * * * *', '*-*-* *:00/15:00'],
    ['0 4 1,15 * *', '*-*-01,15 04:00:00'],
    ['5 1 * 1-3 6,7', 'Sat,Sun *-01..03-* 01:05:00'],
  ])('%s → OnCalendar=%s', (cron, cal) => expect(cronToOnCalendar(cron)).toBe(cal));

  it('rejects what is not a 5-field numeric cron', () => {
    expect(() => cronToOnCalendar('@daily')).toThrow(/5-field/);
    expect(() => cronToOnCalendar('0 3 * *')).toThrow(/5-field/);
    expect(() => cronToOnCalendar('0 4 1,15 * 0')).toThrow(/both day-of-month and day-of-week/);
  });

  it('renders a cron entry and systemd units with quoted arguments', () => {
    const input = { cron: '0 3 * * *', command: ['/usr/bin/prodctl', '-f', '/srv/my app/prodctl.yaml', 'backup'], project: 'pdfsvc' };
    expect(renderCronEntry(input)).toBe("# prodctl backup for pdfsvc (from backup.schedule in the profile)\n0 3 * * * root /usr/bin/prodctl -f '/srv/my app/prodctl.yaml' backup\n");
    const { service, timer } = renderSystemdUnits(input);
    expect(service).toContain("ExecStart=/usr/bin/prodctl -f '/srv/my app/prodctl.yaml' backup\n");
    expect(service).toContain('Type=oneshot\n');
    expect(timer).toContain('OnCalendar=*-*-* 03:00:00\nPersistent=true\n');
    expect(service).toContain('\nAfter=network-online.target\n');
    expect(renderSystemdUnits({ ...input, target: 'docker' }).service).toContain('\nAfter=network-online.target docker.service\nWants=docker.service\n');
  });

  it('computes the next fire time in UTC for the in-process scheduler', () => {
    expect(nextRunAfter('0 3 * * *', new Date('2026-11-28T02:59:59Z')).toISOString()).toBe('2026-11-28T03:00:00.000Z');
    expect(nextRunAfter('0 3 * * *', new Date('2026-11-28T03:00:00Z')).toISOString()).toBe('2026-11-29T03:00:00.000Z');
    expect(nextRunAfter('30 2 * * 1-5', new Date('2026-11-28T12:00:00Z')).toISOString()).toBe('2026-11-30T02:30:00.000Z');
    expect(nextRunAfter('*/5 * * * * *', new Date('2026-11-28T12:00:01Z')).toISOString()).toBe('2026-11-28T12:00:05.000Z');
  });

  it('systemd-analyze accepts every rendered calendar expression', async () => {
    for (const cron of ['0 3 * * *', '30 2 * * 1-5', '*/15 * * * *', '0 4 1,15 * *', '5 1 * 1-3 6,7']) {
      await execa('systemd-analyze', ['calendar', cronToOnCalendar(cron)]);
    }
  });
});

describe('textfile', () => {
  it('renders the three backup metrics from the contract, leaving out unknown values', async () => {
    const text = renderTextfile({ lastSuccess: 1764302400, lastVerifyOk: 1, lastVerifyTime: 1764302500 });
    expect(text).toBe(
      [
        '# HELP prodctl_backup_last_success_timestamp_seconds Unix time of the last complete backup set (textfile collector).',
        '# TYPE prodctl_backup_last_success_timestamp_seconds gauge',
        'prodctl_backup_last_success_timestamp_seconds 1764302400',
        '# HELP prodctl_backup_last_verify_ok 1 when the last backup verify passed, 0 when it failed (textfile collector).',
        '# TYPE prodctl_backup_last_verify_ok gauge',
        'prodctl_backup_last_verify_ok 1',
        '# HELP prodctl_backup_last_verify_timestamp_seconds Unix time of the last backup verify (textfile collector).',
        '# TYPE prodctl_backup_last_verify_timestamp_seconds gauge',
        'prodctl_backup_last_verify_timestamp_seconds 1764302500',
        '',
      ].join('\n'),
    );
    await execa('promtool', ['check', 'metrics'], { input: text });
    expect(renderTextfile({ lastSuccess: 5, lastVerifyOk: null, lastVerifyTime: null })).not.toContain('verify');
  });
});

describe('comparisons', () => {
  it('parses INFO keyspace and allows only keys with a TTL to go missing', () => {
    const ks = parseKeyspace('# Keyspace\r\ndb0:keys=12,expires=2,avg_ttl=100\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n');
    expect(ks).toEqual({ db0: { keys: 12, expires: 2 }, db3: { keys: 1, expires: 0 } });
    expect(diffKeyCounts(ks, { db0: { keys: 11, expires: 1 }, db3: { keys: 1, expires: 0 } })).toEqual([]);
    expect(diffKeyCounts(ks, { db0: { keys: 11, expires: 2 }, db3: { keys: 1, expires: 0 } })).toEqual(['redis db0: 9 keys without TTL, expected 10']);
    expect(diffKeyCounts(ks, { db0: { keys: 12, expires: 2 } })).toEqual(['redis db3: 0 keys without TTL, expected 1']);
    expect(withoutMaintenanceKey(ks, true)).toEqual({ db0: { keys: 11, expires: 2 }, db3: { keys: 1, expires: 0 } });
    expect(withoutMaintenanceKey(ks, false)).toBe(ks);
  });

  it('names every table that differs', () => {
    const e = { 'public.a': { rows: 2, checksum: '10' }, 'public.b': { rows: 1, checksum: '5' }, 'public.c': { rows: 0, checksum: '0' } };
    expect(diffTableSums(e, { 'public.a': { rows: 3, checksum: '10' }, 'public.b': { rows: 1, checksum: '6' }, 'public.d': { rows: 0, checksum: '0' } })).toEqual([
      'table public.a: 3 rows, expected 2',
      'table public.b: checksum differs',
      'table public.c is missing',
      'table public.d is not in the backup',
    ]);
  });
});

describe('argv and ids', () => {
  const conn = { host: '127.0.0.1', port: 5433, user: 'app', password: 'secret', database: 'pdf' };
  it('builds pg_dump and pg_restore argv without the password', () => {
    expect(pgDumpArgs(conn, { snapshot: '00000003-1' })).toEqual(['--format=custom', '--compress=0', '--no-password', '--host=127.0.0.1', '--port=5433', '--username=app', '--dbname=pdf', '--snapshot=00000003-1']);
    expect(pgRestoreArgs(conn)).toEqual(['--no-password', '--no-owner', '--no-privileges', '--clean', '--if-exists', '--exit-on-error', '--host=127.0.0.1', '--port=5433', '--username=app', '--dbname=pdf', '--single-transaction']);
    expect([...pgDumpArgs(conn), ...pgRestoreArgs(conn)].join(' ')).not.toContain('secret');
    expect(zstdArgs('compress')).toEqual(['-q', '-c', '-3', '-T0']);
  });
  it('makes set ids that sort by time', () => {
    expect(newSetId(new Date('2026-11-28T03:00:05.123Z'), 'ab12cd')).toBe('20261128T030005Z-ab12cd');
  });
});

describe('blob consistency with tombstones', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const t = 'c'.repeat(64);
  it('requires every referenced blob and only counts the tombstoned ones', () => {
    expect(judgeBlobRefs({ referenced: [a, b], tombstoned: [t] }, [a, b])).toEqual({ missing: [], tombstonedIncluded: 0, tombstonedNotIncluded: 1 });
    expect(judgeBlobRefs({ referenced: [a, b], tombstoned: [t] }, [b, t])).toEqual({ missing: [a], tombstonedIncluded: 1, tombstonedNotIncluded: 0 });
  });
  it('names the first three missing blobs', () => {
    expect(describeMissing([a, b, t, 'd'.repeat(64)], 'the set')).toBe(`4 blob(s) referenced by the files table are not in the set: ${a}, ${b}, ${t}, …`);
  });
});
