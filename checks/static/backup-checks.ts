// Backup policy from the plan's profile: schedule, retention, encryption, verification.
// (Backups are run by prodctl itself, so the profile is what takes effect.)
import { CronExpressionParser } from 'cron-parser';
import { fail, pass, type StaticCheck } from '../types.js';

const DAY_MS = 86_400_000;

/** Longest gap between consecutive runs over the next two weeks. */
export function longestCronGapMs(expr: string, from = new Date('2026-01-05T00:00:00Z')): number {
  const it = CronExpressionParser.parse(expr, { currentDate: from, tz: 'UTC' });
  let prev = from.getTime();
  let gap = 0;
  const end = from.getTime() + 14 * DAY_MS;
  while (prev < end) {
    const next = it.next().getTime();
    gap = Math.max(gap, next - prev);
    prev = next;
  }
  return gap;
}

export const backupChecks: StaticCheck[] = [
  {
    id: 'DATA-004', title: 'Backups scheduled at least daily', category: 'data-safety', severity: 'critical', scope: 'static', section: 'backups',
    rationale: 'The schedule bounds how much data a disaster can take (the recovery point).',
    remediation: 'Set `backup.schedule` to a 5-field cron that runs at least once a day, e.g. "0 3 * * *".',
    references: ['Production checklist: automated daily backups', 'PostgreSQL docs: Backup and Restore'],
    run: (i) => {
      const expr = i.plan.profile.backup.schedule;
      let gap: number;
      try {
        gap = longestCronGapMs(expr);
      } catch (err) {
        return fail(`backup.schedule = "${expr}": ${(err as Error).message}`);
      }
      const ev = `backup.schedule = "${expr}": longest gap ${(gap / 3_600_000).toFixed(1)} h`;
      return gap <= DAY_MS ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'DATA-005', title: 'Backup retention keeps a week of dailies', category: 'data-safety', severity: 'high', scope: 'static', section: 'backups',
    rationale: 'Corruption is often found days later; one or two sets are not enough to go back before it.',
    remediation: 'Set `backup.retention.daily` ≥ 7 and `keep_last` ≥ 2.',
    references: ['restic docs: forget --keep-daily', 'pgBackRest docs: retention'],
    run: (i) => {
      const r = i.plan.profile.backup.retention;
      const ev = `backup.retention = keep_last ${r.keep_last}, daily ${r.daily}, weekly ${r.weekly}, monthly ${r.monthly}`;
      return r.daily >= 7 && r.keep_last >= 2 ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'DATA-006', title: 'Backups are encrypted', category: 'data-safety', severity: 'high', scope: 'static', section: 'security',
    rationale: 'A backup holds every user document; copied off-site unencrypted it is a breach waiting to happen.',
    remediation: 'Set `backup.encryption.key_secret` to a secret holding a 32-byte key.',
    references: ['OWASP Cryptographic Storage Cheat Sheet'],
    run: (i) => {
      const enc = i.plan.profile.backup.encryption;
      if (!enc) return fail('backup.encryption is not set');
      return i.plan.profile.secrets[enc.key_secret] ? pass(`backup.encryption.key_secret = ${enc.key_secret} (file ${i.plan.profile.secrets[enc.key_secret].file})`) : fail(`backup.encryption.key_secret = ${enc.key_secret} is not under secrets:`);
    },
  },
  {
    id: 'DATA-007', title: 'Every backup is restore-verified', category: 'data-safety', severity: 'high', scope: 'static', section: 'backups',
    rationale: '"You should still perform test restores" (PostgreSQL docs): a backup is only known good once restored.',
    remediation: 'Set `backup.verify_after_backup: true`.',
    references: ['PostgreSQL docs: pg_dump', 'pgBackRest docs: verify'],
    run: (i) => (i.plan.profile.backup.verify_after_backup ? pass('backup.verify_after_backup = true') : fail('backup.verify_after_backup = false')),
  },
  {
    id: 'DATA-008', title: 'Backups kept off the host of the data they protect', category: 'data-safety', severity: 'medium', scope: 'static', section: 'backups',
    rationale: 'One lost disk or host takes the data and backups on it together; a backup folder inside the uploads folder is also backed up into itself.',
    remediation: 'Set `backup.target.kind: s3` (a bucket off the host), or mount a separate disk at `backup.target.path` and set `backup.target.separate_disk: true`.',
    references: ['3-2-1 backup rule'],
    run: (i) => {
      const t = i.plan.profile.backup.target;
      if (t.kind === 's3') return pass(`backup.target.kind = s3 (bucket ${t.s3?.bucket ?? '?'})`);
      const b = t.path.replace(/\/+$/, '');
      const u = i.plan.profile.storage.uploads_path.replace(/\/+$/, '');
      const ev = `backup.target.path = ${b}; storage.uploads_path = ${u}; backup.target.separate_disk = ${t.separate_disk ?? false}`;
      if (b === u || b.startsWith(`${u}/`) || u.startsWith(`${b}/`)) return fail(ev, 'the backup folder overlaps the uploads folder');
      return t.separate_disk ? pass(ev) : fail(ev, 'a local backup folder not marked as a separately mounted disk shares the host disk with the data');
    },
  },
  {
    id: 'DATA-009', title: 'Shared file storage when api or workers span several nodes', category: 'data-safety', severity: 'high', scope: 'static', section: 'backups',
    rationale: 'With `storage.kind: local` each node has its own uploads folder: a file uploaded through one node is missing for a worker or api replica on another.',
    remediation: 'Set `storage.kind: s3` with a `storage.s3` bucket (S3, MinIO, Ceph RGW) when `target: swarm` runs on more than one node.',
    references: ['docs/storage.md'],
    run: (i) => {
      const p = i.plan.profile;
      const kind = p.storage.kind ?? 'local';
      const ev = `storage.kind = ${kind}; target = ${p.target}; host.nodes = ${p.host.nodes}`;
      return kind === 'local' && p.target === 'swarm' && p.host.nodes > 1 ? fail(ev) : pass(ev);
    },
  },
  {
    id: 'OPS-010', title: 'Monitoring is enabled', category: 'operability', severity: 'critical', scope: 'static', section: 'monitoring',
    rationale: 'Without Prometheus and Alertmanager nobody learns of an outage before the users.',
    remediation: 'Set `monitoring.enabled: true`.',
    references: ['Production checklist: monitoring'],
    run: (i) => (i.plan.profile.monitoring.enabled ? pass('monitoring.enabled = true') : fail('monitoring.enabled = false')),
  },
];
