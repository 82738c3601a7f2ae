// Every bad profile, through the real CLI process: exit 2, exactly one line on stderr with
// file:line:col and the key path, never a stack trace. One fixture file per case.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../cli/run-cli.js';

const DIR = path.join(ROOT, 'test/fixtures/profile/bad');

interface BadCase {
  fixture: string;
  /** Extra arguments after `validate -f <fixture>`. */
  args?: string[];
  /** The whole stderr line; {file} is the fixture's absolute path. */
  line: string;
}

const cases: BadCase[] = [
  { fixture: 'wrong-type-replicas', line: '{file}:5:13: api.replicas: expected a whole number, found "two"' },
  { fixture: 'negative-replicas', line: '{file}:5:13: workers.replicas: expected a number ≥ 1, found -1' },
  { fixture: 'zero-concurrency', line: '{file}:5:16: workers.concurrency: expected a number ≥ 1, found 0' },
  { fixture: 'fractional-replicas', line: '{file}:5:13: api.replicas: expected a whole number, found 1.5' },
  { fixture: 'section-not-mapping', line: '{file}:4:6: api: expected a mapping, found 3' },
  { fixture: 'unknown-top-key', line: "{file}:4:1: workerz: expected a known key, found 'workerz' — did you mean 'workers'?" },
  { fixture: 'typo-nested-key', line: "{file}:5:3: api.replica: expected a known key, found 'replica' — did you mean 'replicas'?" },
  { fixture: 'typo-deep-key', line: "{file}:5:3: postgres.max_conections: expected a known key, found 'max_conections' — did you mean 'max_connections'?" },
  { fixture: 'bad-duration-text', line: '{file}:5:20: api.request_timeout: expected a duration like 500ms, 30s, 5m, 1h or 7d, found "30 seconds"' },
  { fixture: 'bad-duration-number', line: '{file}:5:16: workers.job_timeout: expected a duration like 30s, 5m or 1h, found 30' },
  { fixture: 'bad-size', line: '{file}:5:14: redis.maxmemory: expected a size like 512M, 4G or 100MB, found "1 gigabyte"' },
  {
    fixture: 'pool-exceeds-max-connections',
    line: '{file}:5:20: postgres.max_connections: expected pool_size × (api + worker replicas) + reserved_connections ≤ max_connections 20, found 10 × (2 + 3) + 10 = 60',
  },
  {
    fixture: 'superuser-shares-password',
    line: '{file}:5:30: postgres.superuser_password_secret: expected a secret of its own for the superuser, found the service\'s "postgres_password" — add secrets.postgres_superuser_password and name it here',
  },
  {
    fixture: 'pool-size-too-large',
    line: '{file}:5:14: postgres.pool_size: expected pool_size × (api + worker replicas) + reserved_connections ≤ max_connections 100, found 100 × (2 + 3) + 10 = 510',
  },
  {
    fixture: 'redis-maxmemory-above-limit',
    line: '{file}:5:14: redis.maxmemory: expected less than redis.resources.memory 1G (leave room for the AOF rewrite and buffers), found "1G"',
  },
  {
    fixture: 'worker-memory-below-jobs',
    line: '{file}:5:16: workers.concurrency: expected concurrency × per_job_memory + 128M headroom ≤ workers.resources.memory 1536M, found 16 × 256M + 128M = 4224M',
  },
  { fixture: 'cpus-beyond-host', line: '{file}:5:22: api.resources.cpus: expected ≤ host.cpus 4, found 8' },
  { fixture: 'memory-beyond-host', line: '{file}:5:33: postgres.resources.memory: expected ≤ host.memory 16G, found "64G"' },
  {
    fixture: 'missing-secret-file',
    line: `{file}:10:23: secrets.backup_key.file: expected an existing secret file, found no file at ${DIR}/missing/backup_key — create it (\`umask 077; head -c 32 /dev/urandom | base64 > ${DIR}/missing/backup_key\`), or run \`prodctl init\` in a new folder to generate secrets`,
  },
  {
    fixture: 'unknown-secret-ref',
    line: '{file}:5:20: postgres.password_secret: expected the name of an entry under secrets: (postgres_password, postgres_superuser_password, redis_password, api_key_pepper, grafana_admin_password, backup_key, edge_dashboard_users), found "pg_pass"',
  },
  { fixture: 'bad-target', line: '{file}:4:9: target: expected "native" or "docker" or "swarm", found "kubernetes"' },
  { fixture: 'bad-postgres-version', line: '{file}:5:12: postgres.version: expected 15, 16 or 17, found 14' },
  { fixture: 'bad-acme-email', line: '{file}:7:14: edge.tls.acme.email: expected an e-mail address for ACME registration, found "not-an-email"' },
  { fixture: 'moved-traefik-hsts', line: "{file}:6:5: edge.traefik.hsts: expected a known key, found 'hsts' — it moved to edge.tls.hsts (both edges, HAProxy and Traefik, read it there)" },
  { fixture: 'tls-files-without-key', line: '{file}:6:11: edge.tls.mode: expected "files" to come with edge.tls.cert_file and key_file, found no key_file' },
  { fixture: 'bad-project-name', line: '{file}:5:9: project.name: expected 3–40 lowercase letters, digits or dashes, found "PDF_Service"' },
  {
    fixture: 'bad-threshold',
    line: '{file}:6:25: loadtest.thresholds.http_req_duration[0]: expected a k6 threshold like p(95)<5000 or rate<0.02, found "p95 < 5s"',
  },
  { fixture: 'bad-image-ref', line: '{file}:5:8: images.api: expected an image reference like postgres:15.8-bookworm, found "Prodctl/Runtime:latest!"' },
  { fixture: 'bad-extends', line: '{file}:2:10: extends: expected "small", "medium" or "large", found "huge"' },
  { fixture: 'bad-set-value', args: ['--set', 'api.replicas=-3'], line: '--set#1:1:14: api.replicas: expected a number ≥ 1, found -3' },
  { fixture: 'autoscale-min-above-max', line: '{file}:6:8: autoscale.max: expected autoscale.min ≤ autoscale.max, found 8 > 4' },
  { fixture: 'autoscale-slow-scale-up', line: '{file}:5:20: autoscale.scale_up_window: expected a duration from 0s to 15s, found "1m"' },
  {
    fixture: 'autoscale-max-beyond-pool',
    line: '{file}:5:8: autoscale.max: expected pool_size × (api replicas + autoscale.max) + reserved_connections ≤ max_connections 100, found 10 × (2 + 12) + 10 = 150',
  },
  { fixture: 'yaml-syntax-error', line: '{file}:5:1: Flow map in block collection must be sufficiently indented and end with a }' },
];

describe('bad profiles through `prodctl validate`', () => {
  it('has at least 20 cases, one fixture each', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
    expect(new Set(cases.map((c) => c.fixture)).size).toBe(cases.length);
  });

  it.concurrent.each(cases)('$fixture', async (c) => {
    const file = path.join(DIR, `${c.fixture}.yaml`);
    const r = await runCli(['validate', '-f', file, ...(c.args ?? [])]);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(r.exitCode).toBe(2);
    expect(lines).toEqual([`error: ${c.line.replaceAll('{file}', file)}`]);
    expect(r.stderr).not.toMatch(/^\s{4}at /m);
    expect(r.stdout).toBe('');
  });

  it('the fixtures differ from a valid profile only in the broken part', async () => {
    // Same secrets block, no bad value: loads cleanly, so each case fails for its own reason only.
    const r = await runCli(['plan', '-f', path.join(DIR, 'bad-set-value.yaml'), '--json']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).plan.project).toBe('pdfsvc');
  });
});
