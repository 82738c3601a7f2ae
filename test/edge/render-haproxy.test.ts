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
      'option httpchk GET /livez',
      'balance roundrobin',
      // api.drain_window 10s: inter × fall ≤ 5 s (capped at 2 s a check)
      'default-server check inter 2000ms fall 2 rise 1 maxconn 64',
    ]) {
      expect(lines).toContain(want);
    }
    // No static servers unless asked for: the API replicas arrive through the runtime API.
    expect(lines.filter((l) => l.startsWith('server '))).toEqual([]);
  });

  it('derives the health check timings from api.drain_window: inter × fall is at most half of it', async () => {
    const lines = async (drain: string) => renderHaproxyConfig(await loadExamplePlan('small', [`api.drain_window=${drain}`])).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('default-server'));
    expect(await lines('2s')).toEqual(['default-server check inter 500ms fall 2 rise 1 maxconn 256']);
    expect(await lines('1s')).toEqual(['default-server check inter 250ms fall 2 rise 1 maxconn 256']);
    expect(await lines('30s')).toEqual(['default-server check inter 2000ms fall 2 rise 1 maxconn 256']);
  });

  it('lets a connected check wait 2 s for its answer, whatever the interval: a slow replica is not a dead one', async () => {
    const cfg = renderHaproxyConfig(await loadExamplePlan('small', ['api.drain_window=1s']));
    const backend = cfg.slice(cfg.indexOf('backend '));
    expect(backend.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('timeout check'))).toEqual(['timeout check 2000ms']);
  });

  it('answers its own errors in the API JSON shape, 502–504 with Retry-After', async () => {
    const lines = renderHaproxyConfig(await loadExamplePlan()).split('\n').map((l) => l.trim());
    expect(lines.filter((l) => l.startsWith('http-error '))).toEqual([
      `http-error status 400 content-type application/json string '{"error":"bad_request","message":"malformed request"}'`,
      `http-error status 403 content-type application/json string '{"error":"forbidden","message":"request refused"}'`,
      `http-error status 408 content-type application/json string '{"error":"request_timeout","message":"the request was not received in time"}'`,
      `http-error status 500 content-type application/json string '{"error":"internal","message":"internal error"}'`,
      `http-error status 502 content-type application/json string '{"error":"unavailable","message":"the service is unavailable; retry shortly"}' hdr retry-after 2`,
      `http-error status 503 content-type application/json string '{"error":"unavailable","message":"the service is unavailable; retry shortly"}' hdr retry-after 2`,
      `http-error status 504 content-type application/json string '{"error":"unavailable","message":"the service did not answer in time; retry shortly"}' hdr retry-after 2`,
    ]);
  });

  it('bounds slow, greedy and oversized clients per source and sandboxes downloads', async () => {
    const plan = await loadExamplePlan('small', ['edge.client_limits.connections_per_source=40', 'edge.client_limits.requests_per_source_per_10s=900', 'edge.client_limits.request_timeout=7s', 'api.max_upload_size=2M']);
    const cfg = renderHaproxyConfig(plan);
    const lines = cfg.split('\n').map((l) => l.trim());
    const front = lines.slice(lines.indexOf('frontend public'), lines.indexOf('frontend internal'));
    for (const want of [
      'stick-table type ipv6 size 100k expire 60s store conn_cur,http_req_rate(10s)',
      'tcp-request connection track-sc0 src',
      'tcp-request connection reject if { sc_conn_cur(0) gt 40 }',
      `http-request deny deny_status 429 content-type application/json string '{"error":"rate_limited","message":"too many requests from this address; retry shortly"}' hdr retry-after 10 hdr connection close if { sc_http_req_rate(0) gt 900 }`,
      // hdr_val is 32-bit: a 10 GiB length is caught by its digit count.
      `http-request deny deny_status 413 content-type application/json string '{"error":"too_large","message":"request body exceeds the limit of 2097152 bytes"}' hdr connection close if { req.hdr_val(content-length) gt 2097152 } || { req.hdr(content-length) -m reg ^[0-9]{8,}$ }`,
      'http-request wait-for-body time 7000ms',
      'http-request set-var(txn.download) bool(true) if METH_GET { path_beg /v1/files/ }',
      'http-after-response set-header X-Content-Type-Options nosniff',
      'http-after-response set-header Content-Security-Policy sandbox if { var(txn.download) -m bool }',
      'log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %{+Q}HM %{+Q}HPO %{+Q}HV"',
    ]) {
      expect(front).toContain(want);
    }
    expect(lines).toContain('timeout http-request 7000ms');
    // The 413 is decided before the edge waits for a body.
    expect(front.findIndex((l) => l.includes('deny_status 413'))).toBeLessThan(front.indexOf('http-request wait-for-body time 7000ms'));
    // No query string anywhere in the log format (%r, %HU and %HQ carry it).
    expect(cfg).not.toMatch(/%\{?\+?Q?\}?(r|HU|HQ)\b/);
    // One source never holds more than half of the edge's connections.
    const capped = renderHaproxyConfig(plan, { maxConnections: 60 }).split('\n').map((l) => l.trim());
    expect(capped).toContain('tcp-request connection reject if { sc_conn_cur(0) gt 30 }');
    const r = await check(cfg);
    expect(r.output).not.toMatch(/WARNING/);
    expect(r.status).toBe(0);
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
