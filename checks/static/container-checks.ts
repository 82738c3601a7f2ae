// Container hardening and limits (CIS Docker Benchmark 5.x), judged on compose.yaml as rendered
// (or the plan's services on native, where the same settings drive the supervised processes).
import { roleOf } from '../service-view.js';
import { judgeAll, type StaticCheck } from '../types.js';
import { offendersOver } from './helpers.js';

const CIS = 'CIS Docker Benchmark v1.6';

export const containerChecks: StaticCheck[] = [
  {
    id: 'SEC-001', title: 'Every service runs as a non-root user', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'A process that breaks out of its application runs with the rights of its user; root inside a container is one kernel bug away from root on the host.',
    remediation: 'Set `user:` to an unprivileged uid:gid for the service (the images run as non-root when told to).',
    references: [`${CIS} 4.1`, 'Docker docs: USER instruction'],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.user === '' ? 'no user set (runs as the image default, often root)' : /^(root|0)(:|$)/.test(s.user) ? `user: ${s.user}` : null)), `every service sets a non-root user in ${i.parsed.servicesSource}`),
  },
  {
    id: 'SEC-002', title: 'Root filesystems are read-only', category: 'security', severity: 'medium', scope: 'static', section: 'security',
    rationale: 'A read-only root filesystem stops an attacker from dropping binaries or changing the application; writable paths become explicit volumes or tmpfs.',
    remediation: 'Set `read_only: true` and mount tmpfs or volumes for the paths the service writes.',
    references: [`${CIS} 5.12`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.readOnly ? null : 'read_only is not true')), 'every service has read_only: true'),
  },
  {
    id: 'SEC-003', title: 'All Linux capabilities dropped', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'Default capabilities (NET_RAW, CHOWN, SETUID…) are rarely needed and widen what a compromised process can do.',
    remediation: 'Set `cap_drop: [ALL]` and add back only what one service needs (e.g. NET_BIND_SERVICE for the edge).',
    references: [`${CIS} 5.3`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.capDrop.map((c) => c.toUpperCase()).includes('ALL') ? null : `cap_drop: [${s.capDrop.join(', ')}]`)), 'every service drops ALL capabilities'),
  },
  {
    id: 'SEC-004', title: 'no-new-privileges on every service', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'Without no-new-privileges a setuid binary in the image can raise the privileges of a compromised process.',
    remediation: 'Add `security_opt: ["no-new-privileges:true"]`.',
    references: [`${CIS} 5.25`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.securityOpt.some((o) => /^no-new-privileges(:true|=true)?$/.test(o)) ? null : 'security_opt lacks no-new-privileges:true')), 'every service sets no-new-privileges'),
  },
  {
    id: 'SEC-005', title: 'No privileged containers', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'A privileged container has every capability and every device of the host: it is root on the host.',
    remediation: 'Remove `privileged: true`; add the one capability actually needed instead.',
    references: [`${CIS} 5.4`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.privileged ? 'privileged: true' : null)), 'no service is privileged'),
  },
  {
    id: 'SEC-006', title: 'Docker socket only in the edge, read-only', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'Access to /var/run/docker.sock is root on the host. Only the edge needs it (service discovery), and only to read.',
    remediation: 'Remove the docker.sock mount from every service but the edge, and mount it `:ro` there.',
    references: [`${CIS} 5.31`],
    run: (i) =>
      judgeAll(
        offendersOver(i, (s) => {
          const sock = s.mounts.find((m) => m.source.endsWith('docker.sock') || m.target.endsWith('docker.sock'));
          if (!sock) return null;
          if (roleOf(s.name) !== 'edge') return `mounts ${sock.source} but is not the edge`;
          return sock.readOnly ? null : `mounts ${sock.source} read-write`;
        }),
        'docker.sock is mounted nowhere or read-only in the edge only',
      ),
  },
  {
    id: 'SEC-007', title: 'Postgres is not published on the host', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'A database port on a public interface invites brute force and exploits; only the app network needs to reach it.',
    remediation: 'Remove `ports:` from the postgres service; reach it over the internal network (or 127.0.0.1 on native).',
    references: [`${CIS} 5.13`],
    run: (i) => judgeAll(offendersOver(i, (s) => (roleOf(s.name) === 'postgres' ? publicPorts(s.published) : null)), 'postgres publishes no port on a host interface'),
  },
  {
    id: 'SEC-008', title: 'Redis is not published on the host', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'Redis exposed to the network is a common breach (CONFIG SET dir + SAVE writes files anywhere).',
    remediation: 'Remove `ports:` from the redis service; reach it over the internal network (or 127.0.0.1 on native).',
    references: [`${CIS} 5.13`, 'Redis docs: Security'],
    run: (i) => judgeAll(offendersOver(i, (s) => (roleOf(s.name) === 'redis' ? publicPorts(s.published) : null)), 'redis publishes no port on a host interface'),
  },
  {
    id: 'SEC-009', title: 'Secrets never in plain environment variables', category: 'security', severity: 'critical', scope: 'static', section: 'security',
    rationale: 'Environment variables show in `docker inspect`, /proc and crash dumps; secrets belong in files (Docker secrets, *_FILE).',
    remediation: 'Pass the secret as a file (`secrets:` + `<NAME>_FILE=/run/secrets/<name>`) instead of its value.',
    references: ['Docker docs: Manage sensitive data with Docker secrets', 'OWASP ASVS 14.3'],
    run: (i) =>
      judgeAll(
        offendersOver(i, (s) => {
          const bad = Object.entries(s.environment).filter(([k, v]) => (/(PASSWORD|SECRET|TOKEN|PEPPER|PRIVATE_KEY|API_KEY)$/i.test(k) && v !== '') || /:\/\/[^/\s:@]+:[^/\s@]+@/.test(v));
          return bad.length ? `secret in environment: ${bad.map(([k]) => k).join(', ')}` : null;
        }),
        'no environment variable carries a secret value (secrets come as *_FILE)',
      ),
  },
  {
    id: 'SEC-010', title: 'Image tags are pinned (never latest)', category: 'security', severity: 'high', scope: 'static', section: 'infrastructure',
    rationale: 'A floating tag changes under you: a restart pulls an untested image, and rollbacks do not restore what ran.',
    remediation: 'Use an exact version tag (postgres:15.8-bookworm) or a digest in `images:`.',
    references: [`${CIS} 5.27`, 'Docker docs: image tags'],
    run: (i) =>
      judgeAll(
        offendersOver(i, (s) => {
          if (/@sha256:[a-f0-9]{64}$/.test(s.image)) return null;
          const tag = /:([^/:]+)$/.exec(s.image)?.[1];
          return !tag ? `image ${s.image || '(none)'} has no tag` : /^(latest|stable|main|master|edge)$/.test(tag) ? `image ${s.image} uses a floating tag` : null;
        }),
        'every image has a pinned tag or digest',
      ),
  },
  {
    id: 'REL-001', title: 'Memory limit on every service', category: 'reliability', severity: 'high', scope: 'static', section: 'infrastructure',
    rationale: 'Without a memory limit one leaking process takes the whole host down through the OOM killer.',
    remediation: 'Set `deploy.resources.limits.memory` for the service (the profile `resources.memory`).',
    references: [`${CIS} 5.10`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.memoryBytes && s.memoryBytes > 0 ? null : 'no memory limit')), 'every service has a memory limit'),
  },
  {
    id: 'REL-002', title: 'CPU limit on every service', category: 'reliability', severity: 'medium', scope: 'static', section: 'infrastructure',
    rationale: 'A runaway worker without a CPU limit starves the API and the database on the same host.',
    remediation: 'Set `deploy.resources.limits.cpus` for the service (the profile `resources.cpus`).',
    references: [`${CIS} 5.11`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.cpus && s.cpus > 0 ? null : 'no cpu limit')), 'every service has a cpu limit'),
  },
  {
    id: 'REL-003', title: 'PIDs limit on every service', category: 'reliability', severity: 'medium', scope: 'static', section: 'infrastructure',
    rationale: 'A fork bomb or thread leak without a pids limit exhausts the host process table.',
    remediation: 'Set `deploy.resources.limits.pids` (the profile `resources.pids`).',
    references: [`${CIS} 5.29`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.pids && s.pids > 0 ? null : 'no pids limit')), 'every service has a pids limit'),
  },
  {
    id: 'REL-004', title: 'Health check on every service', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'Without a health check a hung process counts as running: no restart, and traffic keeps flowing to it.',
    remediation: 'Add a `healthcheck:` that probes the service (HTTP /readyz, pg_isready, redis-cli ping).',
    references: [`${CIS} 4.6`],
    run: (i) => judgeAll(offendersOver(i, (s) => (s.healthcheck ? null : 'no healthcheck')), 'every service has a healthcheck'),
  },
  {
    id: 'REL-005', title: 'Restart policy on every service', category: 'reliability', severity: 'high', scope: 'static', section: 'services',
    rationale: 'A crashed service without a restart policy stays down until a human notices.',
    remediation: 'Set `restart: unless-stopped` (or `deploy.restart_policy.condition: on-failure` in Swarm).',
    references: [`${CIS} 5.15`],
    run: (i) => judgeAll(offendersOver(i, (s) => (['unless-stopped', 'always', 'on-failure', 'any'].includes(s.restart) ? null : `restart: ${s.restart || '(none)'}`)), 'every service has a restart policy'),
  },
  {
    id: 'OPS-001', title: 'Log rotation on every service', category: 'operability', severity: 'medium', scope: 'static', section: 'infrastructure',
    rationale: 'json-file logs grow without bound by default and fill the disk that Postgres also needs.',
    remediation: 'Use the `local` driver, or json-file with `max-size` and `max-file` options.',
    references: ['Docker docs: Configure logging drivers (json-file max-size, max-file)'],
    run: (i) =>
      judgeAll(
        offendersOver(i, (s) => {
          if (s.logging.driver === 'local') return null;
          if (s.logging.driver === 'json-file' && s.logging.options['max-size'] && s.logging.options['max-file']) return null;
          return `logging: ${s.logging.driver || 'default'} without max-size/max-file`;
        }),
        'every service rotates its logs',
      ),
  },
  {
    id: 'SEC-013', title: 'Every *_FILE setting points at a mounted secret', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'A *_FILE variable pointing at a secret that is not mounted makes the service start without its credential (or not at all) — and tempts someone to paste the value into the environment.',
    remediation: 'Add the secret to the service\'s `secrets:` (the renderer does this for every *_password_secret / key_secret in the profile).',
    references: ['Docker docs: Manage sensitive data with Docker secrets'],
    run: (i) =>
      judgeAll(
        offendersOver(i, (s) => {
          const mounted = new Set(s.secrets.map((x) => x.target));
          const dangling = Object.entries(s.environment).filter(([k, v]) => k.endsWith('_FILE') && v.startsWith('/run/secrets/') && !mounted.has(v));
          return dangling.length ? `${dangling.map(([k, v]) => `${k}=${v}`).join(', ')} not mounted (secrets: ${s.secrets.map((x) => x.name).join(', ') || 'none'})` : null;
        }),
        'every *_FILE under /run/secrets/ is a mounted secret',
      ),
  },
  {
    id: 'SEC-011', title: 'Only the edge is published on the host', category: 'security', severity: 'high', scope: 'static', section: 'security',
    rationale: 'Every published port is attack surface that bypasses the edge (TLS, rate limits, auth on the dashboard).',
    remediation: 'Remove `ports:` from every service but the edge, or bind them to 127.0.0.1 for local debugging only.',
    references: [`${CIS} 5.13`],
    run: (i) => judgeAll(offendersOver(i, (s) => (roleOf(s.name) === 'edge' ? null : publicPorts(s.published))), 'no service but the edge publishes on a public interface'),
  },
];

/** Published ports on anything but loopback. */
function publicPorts(ports: { hostIp: string; hostPort: number }[]): string | null {
  const pub = ports.filter((p) => !['127.0.0.1', '::1', 'localhost'].includes(p.hostIp));
  return pub.length ? `published on ${pub.map((p) => `${p.hostIp}:${p.hostPort}`).join(', ')}` : null;
}
