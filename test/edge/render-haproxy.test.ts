import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../checks/run-checks.js';
import { renderAll } from '../../templates/render-all.js';
import { renderHaproxy, renderHaproxyConfig } from '../../templates/haproxy/render-haproxy.js';
import { withStandInFiles } from '../../validate/validate-haproxy.js';
import { makeTempDir } from '../support/services.js';
import { loadExamplePlan } from './support.js';

/** `haproxy -c` on the config, its certificate folder and ACME map replaced by stand-ins (as validate/ does). */
async function check(cfg: string): Promise<{ status: number | null; output: string }> {
  const dir = makeTempDir('prodctl-hx-');
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, await withStandInFiles(cfg, dir));
  const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

describe('renderHaproxy', () => {
  it('renders haproxy/haproxy.cfg that `haproxy -c` accepts, for the container defaults', async () => {
    const plan = await loadExamplePlan('small', ['edge.kind=haproxy']);
    const files = renderHaproxy(plan);
    expect(files.map((f) => f.path)).toEqual(['haproxy/haproxy.cfg']);
    const r = await check(files[0].content);
    expect(r.output).toContain('Configuration file is valid');
    expect(r.status).toBe(0);
  });

  it('has the admin socket, health-checked API backend, retries and the profile timeouts', async () => {
    const plan = await loadExamplePlan('small', ['edge.haproxy.timeout_connect=3s', 'edge.haproxy.timeout_server=45s', 'edge.haproxy.max_connections=5000', 'edge.haproxy.server_max_connections=64']);
    const cfg = renderHaproxyConfig(plan, { bind: '127.0.0.1:18080', adminSocket: '/tmp/x.sock', metricsBind: '127.0.0.1:18405' });
    const lines = cfg.split('\n').map((l) => l.trim());
    for (const want of [
      'stats socket /tmp/x.sock mode 600 level admin',
      'maxconn 5000',
      'timeout connect 3000ms',
      'timeout server 45000ms',
      'timeout client 60000ms',
      'retries 3',
      'option redispatch 1',
      'retry-on conn-failure empty-response response-timeout',
      'bind 127.0.0.1:18080',
      'bind 127.0.0.1:18405',
      'http-request use-service prometheus-exporter if { path /metrics }',
      'option httpchk GET /readyz',
      'balance roundrobin',
      'default-server check inter 2s fall 2 rise 1 maxconn 64',
    ]) {
      expect(lines).toContain(want);
    }
    // No static servers unless asked for: the API replicas arrive through the runtime API.
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([]);
  });

  it('lists the given servers so a restarted HAProxy routes to the current set at once', async () => {
    const plan = await loadExamplePlan();
    const cfg = renderHaproxyConfig(plan, { servers: [{ name: 'api-1', address: '127.0.0.1:3001' }, { name: 'api-2', address: '127.0.0.1:3002' }], adminTcp: '127.0.0.1:9999' });
    const lines = cfg.split('\n').map((l) => l.trim());
    expect(lines.filter((l) => l.startsWith('server '))).toEqual(['server api-1 127.0.0.1:3001', 'server api-2 127.0.0.1:3002']);
    expect(lines).toContain('stats socket ipv4@127.0.0.1:9999 level admin');
    expect((await check(cfg)).status).toBe(0);
  });

  it('a native plan binds the metrics listener on loopback only (SEC-024 passes); containers keep every address', async () => {
    const native = await loadExamplePlan('small', ['target=native', 'edge.kind=haproxy']);
    const lines = renderHaproxyConfig(native).split('\n').map((l) => l.trim());
    expect(lines.slice(lines.indexOf('frontend internal'))[1]).toBe('bind 127.0.0.1:8082');
    expect((await check(renderHaproxyConfig(native))).status).toBe(0);
    const run = await runChecks({ plan: native, files: renderAll(native), failOn: 'high', probes: null, staticOnly: true, only: ['SEC-024'] });
    const sec024 = run.results.find((r) => r.id === 'SEC-024')!;
    expect(sec024.status, sec024.evidence.join('\n')).toBe('pass');
    const docker = renderHaproxyConfig(await loadExamplePlan('small', ['edge.kind=haproxy'])).split('\n').map((l) => l.trim());
    expect(docker.slice(docker.indexOf('frontend internal'))[1]).toBe('bind :8082');
  });

  it('`haproxy -c` rejects a broken variant (the check is real)', async () => {
    const plan = await loadExamplePlan();
    const r = await check(renderHaproxyConfig(plan).replace('balance roundrobin', 'balance no-such-algorithm'));
    expect(r.status).not.toBe(0);
  });

  it('the prometheus exporter is built into this HAProxy', () => {
    expect(execFileSync('haproxy', ['-vv'], { encoding: 'utf8' })).toContain('prometheus-exporter');
  });
});
