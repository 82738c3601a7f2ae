// Live checks on the host and its data: backups on disk, free space, certificates, and what the
// Docker engine actually applied.
import { longestCronGapMs } from '../static/backup-checks.js';
import { roleOf } from '../service-view.js';
import { formatBytes, formatDuration } from '../../lib/output.js';
import { fail, judgeAll, pass, skip, warn, type LiveCheck } from '../types.js';
import { probing } from './live-helpers.js';
import path from 'node:path';
import type { LiveInput } from '../types.js';

/** Profile paths are relative to the profile's folder (absolute ones stay as they are). */
const profilePath = (i: LiveInput, p: string) => path.resolve(i.plan.profileDir, p);

const HOUR = 3_600_000;

/** The live probes read backup sets from a folder; sets in a bucket are listed by `prodctl backup list`. */
const skipS3 = (i: LiveInput) => skip(`backup.target.kind = s3 (bucket ${i.plan.profile.backup.target.s3?.bucket ?? '?'}): see \`prodctl backup list\``);
const DAY = 24 * HOUR;

export const hostLiveChecks: LiveCheck[] = [
  {
    id: 'DATA-102', title: 'Last backup is within its schedule', category: 'data-safety', severity: 'critical', scope: 'live', section: 'backups',
    rationale: 'A schedule that stopped running (cron gone, disk full, key missing) is only noticed here or at the next disaster.',
    remediation: 'Run `prodctl backup` now, then `prodctl backup schedule` to put the schedule back in effect.',
    references: ['Production checklist: automated daily backups'],
    run: async (i) => {
      if (i.plan.profile.backup.target.kind === 's3') return skipS3(i);
      const dir = profilePath(i, i.plan.profile.backup.target.path);
      const sets = await i.probes.backupSets(dir);
      if (!sets.length) return fail(`${dir}: no backup set with a manifest.json`);
      const limit = longestCronGapMs(i.plan.profile.backup.schedule) + HOUR;
      const age = i.now.getTime() - new Date(sets[0].createdAt).getTime();
      const ev = `${sets[0].dir}/manifest.json: newest of ${sets.length} set(s), made ${sets[0].createdAt}, ${formatDuration(age)} ago (limit ${formatDuration(limit)} from "${i.plan.profile.backup.schedule}")`;
      return age <= limit ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'DATA-103', title: 'Last restore-verify passed', category: 'data-safety', severity: 'high', scope: 'live', section: 'backups',
    rationale: 'A backup is only known good once it has been restored and compared; the last verify must have passed.',
    remediation: 'Run `prodctl backup verify` and fix what it reports.',
    references: ['PostgreSQL docs: "you should still perform test restores"', 'pgBackRest docs: verify'],
    run: async (i) => {
      if (i.plan.profile.backup.target.kind === 's3') return skipS3(i);
      const dir = profilePath(i, i.plan.profile.backup.target.path);
      const sets = await i.probes.backupSets(dir);
      const verified = sets.filter((s) => s.verify).sort((a, b) => (b.verify!.at || '').localeCompare(a.verify!.at || ''));
      if (!verified.length) return fail(`${dir}: no verify record for any of ${sets.length} set(s)`);
      const v = verified[0].verify!;
      const ev = `${v.file}: set ${verified[0].id} verified ${v.at || '(no time)'}: ${v.ok ? 'passed' : `FAILED${v.detail ? ` (${v.detail})` : ''}`}`;
      if (!v.ok) return fail(ev);
      return sets[0].verify ? pass(ev) : warn(ev, `newest set ${sets[0].id} is not verified yet`);
    },
  },
  {
    id: 'OPS-104', title: 'Free disk on the data volumes', category: 'operability', severity: 'high', scope: 'live', section: 'infrastructure',
    rationale: 'Postgres, Redis AOF, uploads and backups all stop when their disk is full.',
    remediation: 'Free space (prune backups, old releases, logs) or grow the volume.',
    references: ['node_exporter docs: filesystem collector'],
    run: (i) =>
      probing('disk', async () => {
        const paths = new Map<string, string>([['uploads', profilePath(i, i.plan.profile.storage.uploads_path)], ['backups', profilePath(i, i.plan.profile.backup.target.path)]]);
        // On Docker the data lives in volumes under the engine's root, not at the profile's container paths.
        if (i.plan.target !== 'native') paths.set('docker volumes', '/var/lib/docker');
        if (i.probes.endpoints.postgres) {
          const [r] = await i.probes.pgQuery<{ data_directory: string }>('SHOW data_directory').catch(() => [{ data_directory: '' }]);
          if (r.data_directory) paths.set('postgres', r.data_directory);
        }
        if (i.probes.endpoints.redis) {
          const c = await i.probes.redisConfig(['dir']).catch(() => ({}) as Record<string, string>);
          if (c.dir) paths.set('redis', c.dir);
        }
        const lines: string[] = [];
        let worst: 'pass' | 'warn' | 'fail' = 'pass';
        for (const [what, p] of paths) {
          const d = await i.probes.diskFree(p);
          if (!d) continue;
          const ratio = d.freeBytes / d.totalBytes;
          const state = ratio < 0.1 || d.freeBytes < 1024 ** 3 ? 'fail' : ratio < 0.2 ? 'warn' : 'pass';
          if (state === 'fail' || (state === 'warn' && worst === 'pass')) worst = state;
          lines.push(`${what} ${p}: ${formatBytes(d.freeBytes)} free of ${formatBytes(d.totalBytes)} (${(ratio * 100).toFixed(0)}%)`);
        }
        if (!lines.length) return fail(`none of ${[...paths.values()].join(', ')} exists`);
        return { status: worst, evidence: lines };
      }),
  },
  {
    id: 'SEC-102', title: 'TLS certificate valid for 14+ days', category: 'security', severity: 'high', scope: 'live', section: 'security',
    rationale: 'An expired certificate is a full outage for every client; ACME renewals fail silently.',
    remediation: 'Check the ACME resolver logs of the edge (rate limits, DNS, port 80 reachable); renew now.',
    references: ["Let's Encrypt docs: certificate lifetime and renewal"],
    run: async (i) => {
      const domain = i.plan.profile.project.domains[0];
      if (!domain) return skip('project.domains is empty: no certificate to check');
      const e = i.probes.endpoints.edge;
      const host = e?.host ?? '127.0.0.1';
      const port = e?.httpsPort ?? i.plan.profile.edge.https_port;
      const c = await i.probes.certificate(host, port, domain);
      if (!c) return fail(`${host}:${port} (SNI ${domain}): no TLS certificate served`);
      const left = new Date(c.validTo).getTime() - i.now.getTime();
      const ev = `${host}:${port} (SNI ${domain}): CN=${c.subject}, valid to ${c.validTo} (${Math.floor(left / DAY)} days left)`;
      // Under 14 days left, an ACME renewal (30 days ahead) has been failing for two weeks.
      return left >= 14 * DAY ? pass(ev) : fail(ev);
    },
  },
  {
    id: 'SEC-103', title: 'Running containers match rendered limits and security', category: 'security', severity: 'high', scope: 'live', section: 'infrastructure',
    rationale: 'Containers started by hand or by an older release may run without the limits and hardening the files promise.',
    remediation: 'Redeploy with `prodctl deploy` so every container is recreated from the rendered compose.yaml.',
    references: ['CIS Docker Benchmark v1.6 5.x', 'Docker docs: docker inspect'],
    run: async (i) => {
      const containers = await i.probes.containers(i.plan.project);
      if (containers === null) return skip(`${i.plan.target} target: no Docker containers to inspect`);
      if (!containers.length) return fail(`no container labelled prodctl.project (or com.docker.compose.project)=${i.plan.project}`);
      const bad: string[] = [];
      for (const c of containers) {
        const s = i.parsed.services.find((x) => x.name === c.service) ?? i.parsed.services.find((x) => roleOf(x.name) === roleOf(c.service));
        if (!s) continue;
        if (s.memoryBytes && c.memoryBytes !== s.memoryBytes) bad.push(`${c.name}: Memory ${c.memoryBytes} ≠ rendered ${s.memoryBytes}`);
        if (s.cpus && Math.round(c.nanoCpus / 1e6) !== Math.round(s.cpus * 1e3)) bad.push(`${c.name}: NanoCpus ${c.nanoCpus} ≠ rendered ${s.cpus} cpus`);
        if (s.pids && c.pidsLimit !== s.pids) bad.push(`${c.name}: PidsLimit ${c.pidsLimit} ≠ rendered ${s.pids}`);
        if (s.readOnly && !c.readOnlyRootfs) bad.push(`${c.name}: ReadonlyRootfs false`);
        if (s.capDrop.includes('ALL') && !c.capDrop.map((x) => x.toUpperCase()).includes('ALL')) bad.push(`${c.name}: CapDrop [${c.capDrop.join(', ')}]`);
        if (!c.securityOpt.some((o) => o.startsWith('no-new-privileges'))) bad.push(`${c.name}: SecurityOpt lacks no-new-privileges`);
        if (c.privileged) bad.push(`${c.name}: Privileged true`);
      }
      return judgeAll(bad, `${containers.length} containers match compose.yaml limits and security settings`);
    },
  },
];
