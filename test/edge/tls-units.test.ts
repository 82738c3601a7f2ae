// Pure parts of certificate management, exactly: when a renewal is due, the stored files and their
// modes, the metric line, the schedule, and the CLI's refusals when prodctl is not the one ordering.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { certFileOf, describeCert, readCertInfo, tlsPaths } from '../../edge/tls/cert-store.js';
import { ensurePlaceholderCert, installEdgeCert, renewalReason } from '../../edge/tls/manage-certs.js';
import { renderTlsTextfile } from '../../edge/tls/tls-textfile.js';
import { parseShowSslCert } from '../../edge/haproxy/tls-runtime.js';
import { createSelfSignedCert } from '../../lib/self-signed-cert.js';
import { runCli, ROOT } from '../cli/run-cli.js';
import { makeTempDir } from '../support/services.js';
import { assertEdgeTlsSupported } from '../../targets/edge-tls-support.js';
import { loadExamplePlan } from './support.js';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');
const info = (notAfter: string, altNames = ['a.example.com'], selfSigned = false) => ({ file: 'x', serial: '01', subject: 'CN=a', issuer: 'CN=ca', altNames, notBefore: '2026-01-01T00:00:00.000Z', notAfter, selfSigned });

describe('renewalReason', () => {
  const cases: [string, ReturnType<typeof info> | null, string | null][] = [
    ['no certificate', null, 'no certificate yet'],
    ['placeholder', info('2026-09-01T00:00:00Z', ['a.example.com'], true), 'placeholder (self-signed) certificate'],
    ['29 days left', info(new Date(NOW.getTime() + 29.5 * DAY).toISOString()), '29 days left, renew_before is 30 days'],
    ['31 days left', info(new Date(NOW.getTime() + 31 * DAY).toISOString()), null],
    ['a domain added to the profile', info('2026-09-01T00:00:00Z', ['a.example.com']), null],
  ];
  for (const [name, cert, want] of cases) {
    it(name, () => {
      const domains = name.startsWith('a domain') ? ['a.example.com', 'b.example.com'] : ['a.example.com'];
      expect(renewalReason(cert, domains, 30 * DAY, NOW)).toBe(name.startsWith('a domain') ? 'certificate does not cover b.example.com' : want);
    });
  }
});

describe('certificate files', () => {
  it('the placeholder is self-signed for the domains, 0600, and kept once there; the map exists', async () => {
    const paths = tlsPaths(makeTempDir('prodctl-tls-store-'));
    const file = await ensurePlaceholderCert(paths, ['a.example.com', 'b.example.com']);
    expect(file).toBe(certFileOf(paths, ['a.example.com']));
    const i = readCertInfo(file)!;
    expect([i.selfSigned, i.altNames]).toEqual([true, ['a.example.com', 'b.example.com']]);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(readFileSync(paths.acmeMap, 'utf8')).toBe('');
    await ensurePlaceholderCert(paths, ['a.example.com']);
    expect(readCertInfo(file)!.serial).toBe(i.serial);
  });

  it('mode files: the pair is combined (chain, then key) into the folder HAProxy loads, 0600', async () => {
    const dir = makeTempDir('prodctl-tls-files-');
    const c = await createSelfSignedCert({ commonName: 'a.example.com' });
    writeFileSync(path.join(dir, 'edge.pem'), c.cert);
    writeFileSync(path.join(dir, 'edge.key'), c.key, { mode: 0o600 });
    const paths = tlsPaths(path.join(dir, 'state'));
    const file = await installEdgeCert(paths, { mode: 'files', cert_file: 'edge.pem', key_file: 'edge.key', acme: { directory: 'https://x/dir', email: 'a@b.c', renew_before: '30d' }, https_redirect: true, hsts: { max_age: '365d', include_subdomains: true, preload: true } }, ['a.example.com'], dir);
    expect(readFileSync(file, 'utf8')).toBe(`${c.cert.trim()}\n${c.key.trim()}\n`);
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
    expect(describeCert(file, readFileSync(file, 'utf8')).altNames).toEqual(['a.example.com']);
  });

  it("HAProxy's `show ssl cert <file>` read back: serial, notAfter, names; an unknown file is null", () => {
    const shown = [
      'Filename: /usr/local/etc/haproxy/certs/a.example.com.pem',
      'Status: Used',
      'Serial: 711B42508EB721D95ECC987575C5CF0786BE5EA5',
      'notBefore: Dec  7 22:28:26 2026 GMT',
      'notAfter: Jan  6 22:28:26 2027 GMT',
      'Subject Alternative Name: DNS:a.example.com, DNS:b.example.com',
      'Algorithm: EC256',
      'Issuer: /CN=Pebble Intermediate CA 4a2b3c',
      '',
    ].join('\n');
    expect(parseShowSslCert('f.pem', shown)).toEqual({ file: 'f.pem', serial: '711B42508EB721D95ECC987575C5CF0786BE5EA5', notAfter: '2027-01-06T22:28:26.000Z', altNames: ['a.example.com', 'b.example.com'] });
    expect(parseShowSslCert('f.pem', "Can't display the certificate: Not found or the certificate is a bundle!\n")).toBeNull();
  });

  it('the textfile metric: one series per domain, notAfter in Unix seconds', () => {
    expect(renderTlsTextfile(info('2026-09-01T00:00:00.000Z', ['a.example.com', 'b.example.com']))).toBe(
      [
        '# HELP prodctl_tls_certificate_not_after_timestamp_seconds Unix time when the certificate the running HAProxy edge serves for a domain expires, read from its runtime API (show ssl cert) by prodctl tls issue, renew and status (textfile collector).',
        '# TYPE prodctl_tls_certificate_not_after_timestamp_seconds gauge',
        'prodctl_tls_certificate_not_after_timestamp_seconds{domain="a.example.com"} 1788220800',
        'prodctl_tls_certificate_not_after_timestamp_seconds{domain="b.example.com"} 1788220800',
        '',
      ].join('\n'),
    );
  });
});

describe('prodctl tls (CLI)', () => {
  const profile = ['-f', path.join(ROOT, 'examples/small/prodctl.yaml'), '--set', 'target=native', '--set', 'edge.kind=haproxy'];
  it('refuses to order when prodctl does not manage the certificate (exit 2, says why)', async () => {
    const off = await runCli([...profile, '--state-dir', makeTempDir('prodctl-tls-cli-'), '--set', 'edge.tls.mode=off', 'tls', 'issue']);
    expect([off.exitCode, off.stderr.trim()]).toEqual([2, 'error: TLS is off for this profile (edge.tls.mode off or no project.domains) — set project.domains and edge.tls.mode: acme']);
    const traefik = await runCli(['-f', path.join(ROOT, 'examples/small/prodctl.yaml'), '--state-dir', makeTempDir('prodctl-tls-cli-'), '--set', 'edge.kind=traefik', 'tls', 'renew']);
    expect([traefik.exitCode, traefik.stderr.trim()]).toEqual([2, 'error: edge.kind is traefik: Traefik orders and renews its certificates itself — use edge.kind: haproxy for prodctl-managed certificates']);
  });

  it('status --json before any certificate; schedule renders a daily timer running `tls renew`', async () => {
    const state = makeTempDir('prodctl-tls-cli-');
    const st = await runCli([...profile, '--state-dir', state, '--json', 'tls', 'status']);
    // No stack runs: what the edge serves cannot be read, and status says why instead of failing.
    expect(JSON.parse(st.stdout)).toEqual({ enabled: true, mode: 'acme', domains: ['pdf.example.com'], certificate: null, daysLeft: null, renewalDue: 'no certificate yet', served: null, servedError: expect.stringMatching(/^HAProxy runtime API at .*\/native\/run\/haproxy\.sock: connect ENOENT/) });
    const sc = await runCli([...profile, '--state-dir', state, '--json', 'tls', 'schedule']);
    const out = JSON.parse(sc.stdout);
    expect([out.schedule, out.onCalendar]).toEqual(['17 3 * * *', '*-*-* 03:17:00']);
    const timer = readFileSync(out.files.timer, 'utf8');
    expect(timer).toContain('Description=Run the prodctl certificate renewal of pdfsvc on schedule (17 3 * * *)');
    expect(readFileSync(out.files.service, 'utf8')).toMatch(/^ExecStart=.* tls renew --json$/m);
  });
});

describe('engine targets and edge TLS', () => {
  const sets = (target: string) => [`target=${target}`, 'edge.kind=haproxy', 'project.domains=[pdf.example.com]', 'edge.tls.mode=acme'];
  it('docker mounts the certificates (allowed); swarm refuses before deploying, naming the way out', async () => {
    await expect(loadExamplePlan('small', sets('docker')).then(assertEdgeTlsSupported)).resolves.toBeUndefined();
    await expect(loadExamplePlan('small', sets('native')).then(assertEdgeTlsSupported)).resolves.toBeUndefined();
    await expect(loadExamplePlan('small', sets('swarm')).then(assertEdgeTlsSupported)).rejects.toThrow(
      'edge.tls.mode is acme with the HAProxy edge on target swarm: prodctl does not yet ship certificates to Swarm nodes, so HAProxy would not start',
    );
  });
});
