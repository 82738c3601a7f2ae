// vitest globalSetup: ONE real Pebble (Let's Encrypt's test ACME server, Debian's `pebble`) per
// suite run, with pebble-challtestsrv as its DNS server answering 127.0.0.1 for every name, so
// a test domain's HTTP-01 validation reaches the HAProxy the test started on loopback. Pebble's
// HTTP-01 port is fixed per run (pebbleHttpPort): tests that validate bind their edge's HTTP
// listener there, one at a time (the file that does runs its tests in sequence).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { getFreePort } from '../../lib/net.js';
import { createSelfSignedCert } from '../../lib/self-signed-cert.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pebble: { directory: string; serverCaFile: string; rootCaFile: string; rootCaPem: string; httpPort: number } | null;
  }
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!existsSync('/usr/bin/pebble') || !existsSync('/usr/bin/pebble-challtestsrv')) {
    if (process.env.CI === 'true') throw new Error('pebble is not installed — scripts/install-system-deps.sh installs it (apt-get install -y pebble)');
    project.provide('pebble', null);
    return async () => {};
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-pebble-'));
  const [listen, mgmt, dns, dnsMgmt, httpPort] = [await getFreePort(), await getFreePort(), await getFreePort(), await getFreePort(), await getFreePort()];
  const server = await createSelfSignedCert({ commonName: 'localhost', altNames: ['localhost', '127.0.0.1'] });
  const serverCaFile = path.join(dir, 'pebble-server.pem');
  writeFileSync(serverCaFile, server.cert);
  writeFileSync(path.join(dir, 'pebble-server.key'), server.key, { mode: 0o600 });
  writeFileSync(
    path.join(dir, 'pebble.json'),
    JSON.stringify({ pebble: { listenAddress: `127.0.0.1:${listen}`, managementListenAddress: `127.0.0.1:${mgmt}`, certificate: serverCaFile, privateKey: path.join(dir, 'pebble-server.key'), httpPort, tlsPort: 0, ocspResponderURL: '', externalAccountBindingRequired: false } }),
  );
  const log = openSync(path.join(dir, 'pebble.log'), 'a');
  const procs: ChildProcess[] = [
    spawn('pebble-challtestsrv', ['-dns01', `127.0.0.1:${dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmt}`, '-defaultIPv4', '127.0.0.1', '-defaultIPv6', ''], { stdio: ['ignore', log, log] }),
    // NOSLEEP: no random validation delay; NONCEREJECT=0: no deliberately rejected nonces.
    spawn('pebble', ['-config', path.join(dir, 'pebble.json'), '-dnsserver', `127.0.0.1:${dns}`], { stdio: ['ignore', log, log], env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' } }),
  ];
  const directory = `https://127.0.0.1:${listen}/dir`;
  await waitFor('pebble directory', async () => {
    const r = await get(directory, server.cert);
    if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
  });
  const root = await waitFor('pebble root CA', () => get(`https://127.0.0.1:${mgmt}/roots/0`, server.cert));
  const rootCaFile = path.join(dir, 'pebble-root.pem');
  writeFileSync(rootCaFile, root.body);
  project.provide('pebble', { directory, serverCaFile, rootCaFile, rootCaPem: root.body, httpPort });
  return async () => {
    for (const p of procs) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
}
