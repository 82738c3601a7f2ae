// Uptime from outside on a real native stack: the blackbox exporter probes the edge's /readyz and
// an authenticated status call with a key the stack minted; OPS-105 passes. With the edge stopped,
// no request reaches the API (its availability SLI sees nothing) but the probes fail: OPS-105
// fails naming them, and probe_availability counts the outage. `prodctl up` brings the edge back.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNativeStack, stopService, type NativeStack } from '../checks/native-stack.js';
import { waitFor } from '../support/wait-for.js';

let stack: NativeStack;

const prom = async (expr: string) => ((await (await fetch(`${stack.endpoints().prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as any).data.result as { metric: Record<string, string>; value: [number, string] }[];
const probeValues = async () => Object.fromEntries((await prom('probe_success')).map((s) => [s.metric.job, s.value[1]]));
const checkRun = async (id: string) => {
  const r = await stack.cli(['check', '--json', '--live-only', '--only', id]);
  return JSON.parse(String(r.stdout)).results[0] as { status: string; evidence: string[] };
};
const sloRow = async (name: string) => {
  const r = await stack.cli(['slo', '--json', '--window', '1h']);
  expect(r.exitCode, String(r.stderr)).toBe(0);
  return JSON.parse(String(r.stdout)).slos.find((s: any) => s.slo === name);
};

beforeAll(async () => {
  stack = await startNativeStack('prodctl-probes-native-');
}, 240_000);

afterAll(async () => {
  await stack?.down();
}, 120_000);

describe('black-box probes on the native stack', () => {
  it('both probes succeed through the edge, the status call with the key the stack minted (0600); OPS-105 passes', async () => {
    const keyFile = path.join(stack.stateDir, 'native/config/blackbox/probe-api-key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile, 'utf8')).toMatch(/^pdk_/);
    const bb = readFileSync(path.join(stack.stateDir, 'native/config/blackbox/blackbox.yml'), 'utf8');
    expect(bb).toContain(`bearer_token_file: ${keyFile}`);
    await waitFor('both probes succeed', async () => {
      const v = await probeValues();
      return v.probe_readyz === '1' && v.probe_status === '1';
    }, 60_000, 500);
    const codes = Object.fromEntries((await prom('probe_http_status_code')).map((s) => [s.metric.job, s.value[1]]));
    expect(codes).toEqual({ probe_readyz: '200', probe_status: '404' });
    const r = await checkRun('OPS-105');
    expect(r.status, r.evidence.join('\n')).toBe('pass');
    const edge = stack.endpoints().edge;
    expect(r.evidence[0]).toBe(`probe_readyz http://${edge.host}:${edge.port}/readyz: succeeded (HTTP 200); probe_status http://${edge.host}:${edge.port}/v1/jobs/00000000-0000-0000-0000-000000000000: succeeded (HTTP 404)`);
    const row = await sloRow('probe_availability');
    expect(row.total).toBeGreaterThan(0);
    expect(row.bad).toBe(0);
  }, 120_000);

  it('edge stopped: the API sees no request, the probes fail, OPS-105 fails and probe_availability counts the outage; up restores it', async () => {
    const apiBefore = await sloRow('availability');
    const probeBefore = await sloRow('probe_availability');
    const t0 = Date.now();
    expect(await stopService(stack, 'edge')).toEqual(['edge']);
    await waitFor('both probes fail', async () => {
      const v = await probeValues();
      return v.probe_readyz === '0' && v.probe_status === '0';
    }, 30_000, 250);
    const detected = Date.now() - t0;
    const r = await checkRun('OPS-105');
    expect(r.status).toBe('fail');
    expect(r.evidence.map((e) => e.replace(/:\d+\//, ':PORT/'))).toEqual([
      'probe_readyz http://127.0.0.1:PORT/readyz: FAILED (HTTP 0)',
      'probe_status http://127.0.0.1:PORT/v1/jobs/00000000-0000-0000-0000-000000000000: FAILED (HTTP 0)',
    ]);
    await new Promise((res) => setTimeout(res, 3_000));
    const apiDuring = await sloRow('availability');
    const probeDuring = await sloRow('probe_availability');
    // No request reached the API: its SLI has no new bad event. The probes saw every second of it.
    expect(apiDuring.bad).toBe(apiBefore.bad);
    expect(probeDuring.bad).toBeGreaterThanOrEqual(probeBefore.bad + 4);
    console.log(`edge stopped: probes failed after ${detected} ms; probe_availability ${probeDuring.total - probeDuring.bad}/${probeDuring.total} good, API availability bad events ${apiBefore.bad} → ${apiDuring.bad}`);
    const up = await stack.cli(['up']);
    expect(up.exitCode, `${up.stdout}\n${up.stderr}`).toBe(0);
    await waitFor('probes succeed again', async () => {
      const v = await probeValues();
      return v.probe_readyz === '1' && v.probe_status === '1';
    }, 60_000, 500);
    expect((await checkRun('OPS-105')).status).toBe('pass');
  }, 180_000);
});
