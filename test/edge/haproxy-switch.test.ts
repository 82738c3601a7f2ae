// The HAProxy switch against a real HAProxy (rendered config, admin socket) and real backends.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHaproxySwitch } from '../../edge/haproxy/haproxy-switch.js';
import { parseAdminEndpoint } from '../../edge/haproxy/runtime-api.js';
import { parseServersState, toEdgeServer } from '../../edge/haproxy/servers-state.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { getFreePort, waitForPort } from '../../lib/net.js';
import { renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';
import { makeTempDir } from '../support/services.js';
import { ROOT, loadExamplePlan, startBackend, type Backend } from './support.js';

describe('parseServersState', () => {
  it('reads name, address:port, states and the check result of each server', () => {
    const text = readFileSync(path.join(ROOT, 'test/fixtures/edge/show-servers-state.txt'), 'utf8');
    const s = parseServersState(text);
    expect(s).toEqual([
      { name: 'api-1', address: '127.0.0.1:18001', opState: 2, adminState: 0, checkResult: 3 },
      { name: 'api-2', address: '127.0.0.1:18002', opState: 2, adminState: 0, checkResult: 0 },
      { name: 'api-3', address: '127.0.0.1:18003', opState: 2, adminState: 8, checkResult: 3 },
      { name: 'api-4', address: '127.0.0.1:18004', opState: 0, adminState: 1, checkResult: 2 },
      { name: 'api-5', address: '127.0.0.1:18005', opState: 0, adminState: 0, checkResult: 2 },
    ]);
    // api-2 shows "running" before its first check: not routing yet.
    expect(s.map((x) => toEdgeServer(x).state)).toEqual(['up', 'starting', 'drain', 'maint', 'down']);
  });
});

describe('parseAdminEndpoint', () => {
  it('reads the native socket path and the Docker target\'s published host:port', () => {
    expect(parseAdminEndpoint('/run/haproxy/admin.sock')).toEqual({ path: '/run/haproxy/admin.sock' });
    expect(parseAdminEndpoint('unix:./admin.sock')).toEqual({ path: './admin.sock' });
    expect(parseAdminEndpoint('127.0.0.1:49153')).toEqual({ host: '127.0.0.1', port: 49153 });
    expect(parseAdminEndpoint('ipv4@:9999')).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(() => parseAdminEndpoint('edge-admin')).toThrow(/bad HAProxy admin endpoint 'edge-admin'/);
  });
});

describe('HAProxy switch (real HAProxy)', () => {
  let haproxy: ChildProcess;
  let edge: EdgeSwitch;
  let base: string;
  let metricsBase: string;
  let v1: Backend;
  let v2: Backend;
  let broken: Backend;
  let socket: string;

  beforeAll(async () => {
    const dir = makeTempDir('prodctl-edge-');
    const plan = await loadExamplePlan('small', ['edge.haproxy.max_connections=1000', 'edge.tls.mode=off']);
    const [port, metrics] = [await getFreePort(), await getFreePort()];
    v1 = await startBackend('v1');
    v2 = await startBackend('v2');
    broken = await startBackend('broken', false);
    socket = path.join(dir, 'admin.sock');
    const cfg = path.join(dir, 'haproxy.cfg');
    writeFileSync(cfg, renderHaproxyConfig(plan, { bind: `127.0.0.1:${port}`, adminSocket: socket, metricsBind: `127.0.0.1:${metrics}`, servers: [{ name: 'api-v1', address: v1.address }] }));
    haproxy = spawn('haproxy', ['-db', '-f', cfg], { stdio: 'ignore' });
    await waitForPort(port);
    base = `http://127.0.0.1:${port}`;
    metricsBase = `http://127.0.0.1:${metrics}`;
    edge = createHaproxySwitch({ endpoint: socket, backend: 'api', checkInterval: '200ms' });
    await edge.confirmRouting('api-v1', 10_000);
  });

  afterAll(async () => {
    haproxy?.kill('SIGTERM');
    await Promise.all([v1, v2, broken].map((b) => b?.close()));
  });

  const get = async () => (await fetch(`${base}/`)).text();

  it('lists the configured server as up and routes to it', async () => {
    expect(await edge.listServers()).toEqual([{ name: 'api-v1', address: v1.address, state: 'up' }]);
    expect(await get()).toBe('v1');
  });

  it('adds a server, confirms it routes, drains and removes the old one: traffic moves to v2', async () => {
    await edge.addServer('api-v2', v2.address);
    await edge.confirmRouting('api-v2', 10_000);
    await edge.drainServer('api-v1');
    expect((await edge.listServers()).find((s) => s.name === 'api-v1')?.state).toBe('drain');
    const answers = new Set<string>();
    for (let i = 0; i < 10; i++) answers.add(await get());
    expect([...answers]).toEqual(['v2']);
    await edge.removeServer('api-v1', 5_000);
    expect(await edge.listServers()).toEqual([{ name: 'api-v2', address: v2.address, state: 'up' }]);
  });

  it('refuses to confirm a server whose /readyz fails, and never routes to it', async () => {
    await edge.addServer('api-broken', broken.address);
    await expect(edge.confirmRouting('api-broken', 1_500)).rejects.toThrow(/does not route to api-broken/);
    for (let i = 0; i < 10; i++) expect(await get()).toBe('v2');
    expect(broken.hits).toBe(0);
    await edge.removeServer('api-broken', 2_000);
    expect((await edge.listServers()).map((s) => s.name)).toEqual(['api-v2']);
  });

  it('removing a server that is not there is a no-op; a bad command is refused with the reason', async () => {
    await edge.removeServer('api-nope', 1_000);
    await expect(edge.drainServer('api-nope')).rejects.toThrow(/HAProxy refused/);
  });

  it('serves Prometheus metrics on the internal frontend only', async () => {
    const text = await (await fetch(`${metricsBase}/metrics`)).text();
    expect(text).toMatch(/^haproxy_backend_active_servers\{proxy="api"\} 1$/m);
    // The public frontend has no /metrics: the request goes to the API like any other path.
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('v2');
  });

  it('opens at most serverMaxConnections to an added server; a burst waits in HAProxy and is all served', async () => {
    let open = 0;
    let peak = 0;
    const slow = http.createServer((req, res) => {
      if (req.url === '/readyz' || req.url === '/livez') return void res.end('ok');
      open++;
      peak = Math.max(peak, open);
      setTimeout(() => {
        open--;
        res.end('slow');
      }, 100);
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const port = (slow.address() as { port: number }).port;
    try {
      const limited = createHaproxySwitch({ endpoint: socket, backend: 'api', checkInterval: '200ms', serverMaxConnections: 3 });
      await limited.addServer('api-slow', `127.0.0.1:${port}`);
      await limited.confirmRouting('api-slow', 10_000);
      await edge.removeServer('api-v2', 5_000);
      // 20 requests on 20 connections at once: HAProxy queues 17 and hands them over as the 3 finish.
      const answers = await Promise.all(Array.from({ length: 20 }, () => new Promise<string>((resolve, reject) => {
        http.get(`${base}/`, { agent: false }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        }).on('error', reject);
      })));
      expect(answers).toEqual(Array(20).fill('200 slow'));
      expect(peak).toBe(3);
      await edge.removeServer('api-slow', 5_000);
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(r));
    }
  });
});
