// A throwaway single-node Ceph (one monitor, one memstore OSD, one RADOS Gateway) as plain
// processes under a temp folder: a real S3 server for tests and benches. No auth inside the
// cluster (loopback only); S3 requests are signed with a user's generated keys. SIGKILL teardown
// leaves nothing but the folder, which stop() removes. The recipe and its quirks are in
// ENVIRONMENT.md ("A real S3 server").
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from '../../lib/net.js';

const run = promisify(execFile);
export const CEPH_BINARIES = ['/usr/bin/ceph-mon', '/usr/bin/ceph-osd', '/usr/bin/radosgw', '/usr/bin/monmaptool', '/usr/bin/radosgw-admin', '/usr/bin/ceph'];
export const CEPH_INSTALL_HINT = 'apt-get install -y --no-install-recommends radosgw ceph-mon ceph-osd (WITH_RGW=1 bash scripts/install-system-deps.sh)';

/** What tests need to talk to the gateway, and what they need to start another one on the cluster. */
export interface RgwCoordinates {
  endpoint: string;
  /** The same gateway on the Docker bridge's gateway address, for containers (and the tasks of the
   *  Docker-in-Docker swarm nodes, through their NAT), which cannot reach the host's loopback.
   *  Absent when this host has no Docker bridge. */
  containerEndpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The cluster's ceph.conf, for extra gateways (startGateway) and radosgw-admin. */
  confPath: string;
  dir: string;
}

export interface RgwCluster extends RgwCoordinates {
  stop(): Promise<void>;
}

export function cephInstalled(): boolean {
  return CEPH_BINARIES.every((b) => existsSync(b));
}

/** The Docker bridge's gateway address on this host (docker0), where containers reach the host. */
export function dockerBridgeAddress(): string | null {
  return os.networkInterfaces().docker0?.find((a) => a.family === 'IPv4')?.address ?? null;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number, memBytes: number, bridge: string | null): string {
  return `[global]
fsid = ${fsid}
mon host = v1:127.0.0.1:${monPort}
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
paxos propose interval = 0.01
mon data avail crit = 1
mon data avail warn = 1
# A killed gateway's cache watch would stall every other gateway's metadata write for 30 s.
osd client watch timeout = 3
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
crash dir = ${dir}/crash
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = ${memBytes}
ms bind ipv6 = false
[client.rgw.main]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}${bridge ? ` endpoint=${bridge}:${rgwPort}` : ''}
ms mon client mode = crc
rgw dns name = 127.0.0.1
`;
}

/** Starts a daemon in the foreground, its output to a file (never a pipe that could fill up). */
function daemon(dir: string, name: string, bin: string, args: string[]): ChildProcess {
  const out = openSync(path.join(dir, 'log', `${name}.out`), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', out, out] });
  child.on('error', () => {});
  return child;
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > until) throw new Error(`Ceph: ${what} did not come up within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True once the gateway answers HTTP (an anonymous ListBuckets is a 200 with an empty list). */
export async function gatewayAnswers(endpoint: string): Promise<boolean> {
  const res = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
  await res.arrayBuffer();
  return res.status < 500;
}

async function startMon(dir: string, conf: string, fsid: string, monPort: number): Promise<ChildProcess> {
  const monmap = path.join(dir, 'monmap');
  // --addv with an explicit v1 address: plain --add registers a v2 one that v1 clients hang on.
  await run('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, monmap]);
  await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap]);
  return daemon(dir, 'mon', 'ceph-mon', ['-c', conf, '-f', '-i', 'a']);
}

async function startOsd(dir: string, conf: string): Promise<ChildProcess> {
  const uuid = randomUUID();
  const { stdout } = await run('ceph', ['-c', conf, 'osd', 'new', uuid], { timeout: 30_000 });
  const id = stdout.trim();
  mkdirSync(path.join(dir, 'osd', `ceph-${id}`), { recursive: true });
  await run('ceph-osd', ['-c', conf, '-i', id, '--mkfs', '--osd-uuid', uuid]);
  const osd = daemon(dir, 'osd', 'ceph-osd', ['-c', conf, '-f', '-i', id]);
  await waitFor('the OSD', 60_000, async () => {
    const { stdout: s } = await run('ceph', ['-c', conf, 'osd', 'stat', '-f', 'json'], { timeout: 5_000 });
    return (JSON.parse(s) as { num_up_osds?: number }).num_up_osds === 1;
  });
  return osd;
}

export interface StartRgwOptions {
  /** RAM the memstore OSD may hold (all objects live in memory). Default 1.5 GiB. */
  memoryBytes?: number;
}

/** Starts mon, OSD and gateway, and creates one S3 user with generated keys. */
export async function startRgwCluster(o: StartRgwOptions = {}): Promise<RgwCluster> {
  if (!cephInstalled()) throw new Error(`Ceph is not installed — ${CEPH_INSTALL_HINT}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-rgw-'));
  for (const sub of ['run', 'log', 'crash', 'mon', 'osd']) mkdirSync(path.join(dir, sub), { recursive: true });
  const procs: ChildProcess[] = [];
  const stop = async () => {
    for (const p of procs.reverse()) if (p.exitCode === null) p.kill('SIGKILL');
    await Promise.all(procs.map((p) => (p.exitCode === null && p.signalCode === null ? new Promise((r) => p.once('exit', r)) : null)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const fsid = randomUUID();
    const [monPort, rgwPort] = [await getFreePort(), await getFreePort()];
    const conf = path.join(dir, 'ceph.conf');
    const bridge = dockerBridgeAddress();
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort, o.memoryBytes ?? 1536 * 1024 ** 2, bridge));
    procs.push(await startMon(dir, conf, fsid, monPort));
    procs.push(await startOsd(dir, conf));
    procs.push(daemon(dir, 'rgw', 'radosgw', ['-c', conf, '-n', 'client.rgw.main', '-f']));
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    await waitFor('the gateway', 60_000, () => gatewayAnswers(endpoint));
    const accessKeyId = randomBytes(10).toString('hex').toUpperCase();
    const secretAccessKey = randomBytes(20).toString('base64url');
    await run('radosgw-admin', ['-c', conf, 'user', 'create', '--uid', 'prodctl-test', '--display-name', 'prodctl-test', '--access-key', accessKeyId, '--secret-key', secretAccessKey], { timeout: 30_000 });
    const containerEndpoint = bridge ? `http://${bridge}:${rgwPort}` : undefined;
    if (containerEndpoint) await waitFor('the gateway on the Docker bridge', 10_000, () => gatewayAnswers(containerEndpoint));
    return { endpoint, containerEndpoint, region: 'us-east-1', accessKeyId, secretAccessKey, confPath: conf, dir, stop };
  } catch (err) {
    const logs = readLogTail(dir);
    await stop();
    throw new Error(`${(err as Error).message}${logs ? `\n${logs}` : ''}`);
  }
}

function readLogTail(dir: string): string {
  const lines: string[] = [];
  for (const name of ['mon.out', 'osd.out', 'rgw.out']) {
    const file = path.join(dir, 'log', name);
    if (existsSync(file)) lines.push(`--- ${name}`, ...readFileSync(file, 'utf8').split('\n').slice(-10));
  }
  return lines.join('\n');
}

export interface ExtraGateway {
  endpoint: string;
  /** SIGKILLs the gateway (an outage); start() brings it back on the same port. */
  kill(): Promise<void>;
  start(): Promise<void>;
}

/**
 * Another gateway on the same cluster, owned by one test: it can be killed and restarted (an S3
 * outage) without disturbing the suite's shared gateway. Same users, same buckets.
 */
export async function startGateway(c: RgwCoordinates): Promise<ExtraGateway> {
  const port = await getFreePort();
  const name = `client.rgw.t${randomBytes(4).toString('hex')}`;
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const gw: ExtraGateway = {
    endpoint,
    async start() {
      child = daemon(c.dir, name, 'radosgw', ['-c', c.confPath, '-n', name, '-f', '--rgw-frontends', `beast endpoint=127.0.0.1:${port}`, '--ms-mon-client-mode', 'crc']);
      await waitFor('an extra gateway', 60_000, () => gatewayAnswers(endpoint));
    },
    async kill() {
      const c2 = child;
      child = null;
      if (!c2 || c2.exitCode !== null || c2.signalCode !== null) return;
      const exited = new Promise((r) => c2.once('exit', r));
      c2.kill('SIGKILL');
      await exited;
    },
  };
  await gw.start();
  return gw;
}
