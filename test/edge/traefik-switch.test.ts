// The Traefik switch protocol: atomic file writes, then confirmation through the API. Traefik
// itself cannot be installed here; the API is imitated (see traefik-imitation.ts), the backends
// and their health checks are real HTTP servers.
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findService, routesTo, withServers } from '../../edge/traefik/dynamic-servers.js';
import { createTraefikSwitch } from '../../edge/traefik/traefik-switch.js';
import type { EdgeSwitch } from '../../edge/types.js';
import { makeTempDir } from '../support/services.js';
import { ROOT, startBackend, type Backend } from './support.js';
import { startTraefikImitation, type TraefikImitation } from './traefik-imitation.js';

const FIXTURE = path.join(ROOT, 'test/fixtures/edge/traefik-dynamic.yml');

describe('Traefik dynamic-config helpers', () => {
  it('replaces only the service server list and leaves draining servers out', () => {
    const doc = parse(readFileSync(FIXTURE, 'utf8'));
    const out = withServers(doc, 'api', [
      { name: 'api-1', address: '127.0.0.1:3001', draining: true },
      { name: 'api-2', address: '127.0.0.1:3002' },
    ]);
    expect(out.http.services.api.loadBalancer).toEqual({ healthCheck: { path: '/readyz', interval: '1s', timeout: '1s' }, servers: [{ url: 'http://127.0.0.1:3002' }] });
    expect(out.http.routers).toEqual(doc.http.routers);
    expect(out.http.middlewares).toEqual(doc.http.middlewares);
    expect(doc.http.services.api.loadBalancer.servers).toEqual([{ url: 'http://api:3000' }]);
  });

  it('reads the API answer: a server routes once listed and UP', () => {
    const answer = [{ name: 'api@file', loadBalancer: { servers: [{ url: 'http://a:1' }, { url: 'http://b:2' }] }, serverStatus: { 'http://a:1': 'UP', 'http://b:2': 'DOWN' } }];
    const view = findService(answer, 'api');
    expect(view).toEqual({ name: 'api@file', servers: ['http://a:1', 'http://b:2'], serverStatus: { 'http://a:1': 'UP', 'http://b:2': 'DOWN' } });
    expect(routesTo(view, 'http://a:1')).toBe(true);
    expect(routesTo(view, 'http://b:2')).toBe(false);
    expect(routesTo(view, 'http://c:3')).toBe(false);
    expect(findService(answer, 'other')).toBeNull();
  });
});

describe('Traefik switch against an imitation of the Traefik API', () => {
  let traefik: TraefikImitation;
  let edge: EdgeSwitch;
  let file: string;
  let v1: Backend;
  let v2: Backend;
  let broken: Backend;

  beforeAll(async () => {
    file = path.join(makeTempDir('prodctl-traefik-'), 'dynamic.yml');
    copyFileSync(FIXTURE, file);
    [v1, v2, broken] = await Promise.all([startBackend('v1'), startBackend('v2'), startBackend('broken', false)]);
    traefik = await startTraefikImitation(file);
    edge = createTraefikSwitch({ dynamicFile: file, service: 'api', apiUrl: traefik.apiUrl, pollMs: 100 });
  });

  afterAll(async () => {
    await traefik?.close();
    await Promise.all([v1, v2, broken].map((b) => b?.close()));
  });

  const live = async () => findService(await (await fetch(`${traefik.apiUrl}/api/http/services`)).json(), 'api');

  it('adds a server and confirms only once the API shows it live and UP', async () => {
    await edge.addServer('api-v1', v1.address);
    // Written, but the provider has not reloaded yet: the live set is still the old one.
    expect((await live())?.servers).toEqual(['http://api:3000']);
    await edge.confirmRouting('api-v1', 10_000);
    expect(routesTo(await live(), `http://${v1.address}`)).toBe(true);
    expect(await edge.listServers()).toEqual([{ name: 'api-v1', address: v1.address, state: 'up' }]);
    // The rest of the rendered file is untouched.
    const doc = parse(readFileSync(file, 'utf8'));
    expect(Object.keys(doc.http.routers)).toEqual(['api']);
    expect(doc.http.services.api.loadBalancer.healthCheck.path).toBe('/readyz');
  });

  it('switches v1 → v2: v2 confirmed live before v1 leaves the set', async () => {
    await edge.addServer('api-v2', v2.address);
    await edge.confirmRouting('api-v2', 10_000);
    expect((await live())?.servers).toEqual([`http://${v1.address}`, `http://${v2.address}`]);
    await edge.drainServer('api-v1');
    expect((await live())?.servers).toEqual([`http://${v2.address}`]);
    expect((await edge.listServers()).map((s) => `${s.name}:${s.state}`)).toEqual(['api-v1:drain', 'api-v2:up']);
    await edge.removeServer('api-v1', 5_000);
    expect((await edge.listServers()).map((s) => s.name)).toEqual(['api-v2']);
  });

  it('never confirms a server whose health check fails', async () => {
    await edge.addServer('api-broken', broken.address);
    await expect(edge.confirmRouting('api-broken', 1_500)).rejects.toThrow(/does not show .* up in api@file/);
    await edge.removeServer('api-broken', 5_000);
    expect((await live())?.servers).toEqual([`http://${v2.address}`]);
  });

  it('fails with a hint when the Traefik API does not answer', async () => {
    const dead = createTraefikSwitch({ dynamicFile: file, service: 'api', apiUrl: 'http://127.0.0.1:1', pollMs: 100 });
    await expect(dead.confirmRouting('api-v2', 500)).rejects.toThrow(/does not show/);
  });
});
