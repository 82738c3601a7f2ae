// The upload API end to end against real Postgres, Redis, a JWKS server and a real worker:
// every op, auth, ownership, idempotency, validation, downloads, uploads that must be refused.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixtures, makePdf, type RuntimeFixtures } from '../fixtures/runtime/make-fixtures.js';
import { makeTempDir } from '../support/services.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let worker: RuntimeProcess;
let fx: RuntimeFixtures;
let alice: string;
let bob: string;
const outDir = makeTempDir('prodctl-rt-out-');

beforeAll(async () => {
  stack = await startRuntimeStack();
  fx = await makeFixtures(makeTempDir('prodctl-rt-fx-'));
  [api, worker] = await Promise.all([startProcess('api', stack.env), startProcess('worker', stack.env)]);
  alice = await mintKey(stack, 'alice');
  bob = await mintKey(stack, 'bob');
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await stack?.cleanup();
});

async function download(id: string, key = alice): Promise<string> {
  const res = await fetch(`${api.base}/v1/files/${id}`, { headers: authed(key) });
  expect(res.status).toBe(200);
  const file = path.join(outDir, `${id}.pdf`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}

function pdfinfoPages(file: string): number {
  execFileSync('qpdf', ['--check', file], { stdio: 'pipe' }); // throws on a damaged file
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)![1]);
}

describe('files', () => {
  it('uploads a PDF and returns id, sha256, bytes and pages', async () => {
    const bytes = readFileSync(fx.tenPages);
    const up = await uploadPdf(api.base, alice, bytes);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ bytes: bytes.length, pages: 10 });
    expect(up.body.sha256).toMatch(/^[a-f0-9]{64}$/);
  });

  it('accepts multipart uploads too', async () => {
    const form = new FormData();
    form.append('file', new Blob([readFileSync(fx.threePages)], { type: 'application/pdf' }), 'three.pdf');
    const res = await fetch(`${api.base}/v1/files`, { method: 'POST', headers: authed(alice), body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ pages: 3, filename: 'three.pdf' });
  });

  it('answers 415 to a file that is not a PDF', async () => {
    const up = await uploadPdf(api.base, alice, readFileSync(fx.notPdf));
    expect(up.status).toBe(415);
    expect(up.body.error).toBe('unsupported_media_type');
  });

  it('serves downloads with ETag, 304 and byte ranges', async () => {
    const bytes = readFileSync(fx.threePages);
    const { body: f } = await uploadPdf(api.base, alice, bytes);
    const full = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(alice) });
    expect(full.status).toBe(200);
    expect(Buffer.from(await full.arrayBuffer()).equals(bytes)).toBe(true);
    const etag = full.headers.get('etag')!;
    expect(etag).toBe(`"${f.sha256}"`);
    const cached = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(alice, { 'if-none-match': etag }) });
    expect(cached.status).toBe(304);
    const part = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(alice, { range: 'bytes=5-14' }) });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 5-14/${bytes.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(5, 15))).toBe(true);
    const bad = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(alice, { range: `bytes=${bytes.length + 10}-` }) });
    expect(bad.status).toBe(416);
  });

  it('deletes a file; afterwards it is 404', async () => {
    const { body: f } = await uploadPdf(api.base, alice, await makePdf(1, 'delete-me'));
    expect((await fetch(`${api.base}/v1/files/${f.id}`, { method: 'DELETE', headers: authed(alice) })).status).toBe(204);
    expect((await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(alice) })).status).toBe(404);
  });
});

describe('auth', () => {
  let fileId: string;
  beforeAll(async () => {
    fileId = (await uploadPdf(api.base, alice, readFileSync(fx.threePages))).body.id;
  });

  it('no token → 401', async () => {
    expect((await fetch(`${api.base}/v1/files/${fileId}`)).status).toBe(401);
  });

  it('a valid OIDC token → 200 on its own file; bad signature and expired → 401', async () => {
    const token = await stack.jwks.sign('carol');
    const up = await uploadPdf(api.base, token, readFileSync(fx.threePages));
    expect(up.status).toBe(201);
    expect((await fetch(`${api.base}/v1/files/${up.body.id}`, { headers: authed(token) })).status).toBe(200);
    const forged = await stack.jwks.sign('carol', { foreignKey: true });
    expect((await fetch(`${api.base}/v1/files/${up.body.id}`, { headers: authed(forged) })).status).toBe(401);
    const expired = await stack.jwks.sign('carol', { expiresIn: Math.floor(Date.now() / 1000) - 600 });
    const res = await fetch(`${api.base}/v1/files/${up.body.id}`, { headers: authed(expired) });
    expect(res.status).toBe(401);
    expect((await res.json()).message).toContain('ERR_JWT_EXPIRED');
    const wrongAudience = await stack.jwks.sign('carol', { audience: 'someone-else' });
    expect((await fetch(`${api.base}/v1/files/${up.body.id}`, { headers: authed(wrongAudience) })).status).toBe(401);
  });

  it('a revoked API key → 401', async () => {
    const key = await mintKey(stack, 'dave');
    expect((await fetch(`${api.base}/v1/openapi.json`, { headers: authed(key) })).status).toBe(200);
    const up = await uploadPdf(api.base, key, readFileSync(fx.threePages));
    expect(up.status).toBe(201);
    await stack.db.query(`UPDATE api_keys SET revoked_at = now() WHERE user_id = (SELECT id FROM users WHERE name = 'dave')`);
    await new Promise((r) => setTimeout(r, 1_100)); // API_KEY_CACHE_MS (1 s by default)
    expect((await fetch(`${api.base}/v1/files/${up.body.id}`, { headers: authed(key) })).status).toBe(401);
  });

  it("another user's file or job → 404, never 403", async () => {
    expect((await fetch(`${api.base}/v1/files/${fileId}`, { headers: authed(bob) })).status).toBe(404);
    expect((await fetch(`${api.base}/v1/files/${fileId}`, { method: 'DELETE', headers: authed(bob) })).status).toBe(404);
    const job = await submitJob(api.base, alice, { op: 'info', inputs: [fileId] });
    expect(job.status).toBe(202);
    expect((await fetch(`${api.base}/v1/jobs/${job.body.id}`, { headers: authed(bob) })).status).toBe(404);
    const stolen = await submitJob(api.base, bob, { op: 'info', inputs: [fileId] });
    expect(stolen.status).toBe(404);
  });
});

describe('jobs: every op end to end (qpdf --check, pdfinfo page counts)', () => {
  let ten: string;
  let three: string;
  beforeAll(async () => {
    ten = (await uploadPdf(api.base, alice, readFileSync(fx.tenPages))).body.id;
    three = (await uploadPdf(api.base, alice, readFileSync(fx.threePages))).body.id;
  });

  const cases: { op: string; inputs: () => string[]; params?: object; pages: number[] }[] = [
    { op: 'merge', inputs: () => [ten, three], pages: [13] },
    { op: 'split', inputs: () => [ten], params: { ranges: ['1-3', '4-'] }, pages: [3, 7] },
    { op: 'rotate', inputs: () => [ten], params: { degrees: 90, pages: '1-2' }, pages: [10] },
    { op: 'watermark', inputs: () => [ten], params: { text: 'CONFIDENTIAL', opacity: 0.2, angle: 30 }, pages: [10] },
    { op: 'optimize', inputs: () => [ten], params: { objectStreams: true }, pages: [10] },
    { op: 'extract', inputs: () => [ten], params: { pages: '2,4-5' }, pages: [3] },
    { op: 'metadata', inputs: () => [three], params: { title: 'Quarterly report', author: 'Alice' }, pages: [3] },
  ];

  for (const c of cases) {
    it(`${c.op}`, async () => {
      const sub = await submitJob(api.base, alice, { op: c.op, inputs: c.inputs(), params: c.params ?? {} });
      expect(sub.status).toBe(202);
      expect(sub.body.state).toBe('queued');
      const job = await waitForJob(api.base, alice, sub.body.id);
      expect(job).toMatchObject({ state: 'completed', error: null, progress: 100, attempts: 1 });
      expect(job.timings.runMs).toBeGreaterThanOrEqual(0);
      const counts = [];
      for (const id of job.result) counts.push(pdfinfoPages(await download(id)));
      expect(counts).toEqual(c.pages);
      if (c.op === 'metadata') expect(execFileSync('pdfinfo', [await download(job.result[0])], { encoding: 'utf8' })).toMatch(/Title:\s+Quarterly report/);
      if (c.op === 'rotate') expect(execFileSync('pdfinfo', ['-f', '1', '-l', '1', await download(job.result[0])], { encoding: 'utf8' })).toMatch(/rot:\s+90/);
    });
  }

  it('info reports pages without output files', async () => {
    const sub = await submitJob(api.base, alice, { op: 'info', inputs: [ten] });
    const job = await waitForJob(api.base, alice, sub.body.id);
    expect(job.state).toBe('completed');
    expect(job.result).toEqual([]);
    expect(job.info.pages).toBe(10);
  });

  it('the same Idempotency-Key returns the same job', async () => {
    const a = await submitJob(api.base, alice, { op: 'info', inputs: [ten] }, { 'idempotency-key': 'retry-1' });
    const b = await submitJob(api.base, alice, { op: 'info', inputs: [ten] }, { 'idempotency-key': 'retry-1' });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.id).toBe(a.body.id);
    const n = await stack.db.query(`SELECT count(*)::int AS n FROM jobs WHERE idempotency_key = 'retry-1'`);
    expect(n.rows[0].n).toBe(1);
  });

  it('400 names the bad field', async () => {
    const cases: [object, string][] = [
      [{ op: 'watermark', inputs: [ten], params: { text: 'x', opacity: 3 } }, 'params.opacity'],
      [{ op: 'split', inputs: [ten], params: {} }, 'params.ranges'],
      [{ op: 'rotate', inputs: [ten], params: { degrees: 45 } }, 'params.degrees'],
      [{ op: 'merge', inputs: [ten] }, 'inputs'],
      [{ op: 'explode', inputs: [ten] }, 'body.op'],
      [{ op: 'extract', inputs: [ten], params: { pages: 'all of them' } }, 'params.pages'],
    ];
    for (const [body, field] of cases) {
      const r = await submitJob(api.base, alice, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.field).toBe(field);
    }
  });
});

describe('meta', () => {
  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await fetch(`${api.base}/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/livez', '/readyz', '/v1/files', '/v1/files/{id}', '/v1/jobs', '/v1/jobs/{id}']);
    expect(doc.paths['/v1/jobs'].post.requestBody.content['application/json'].schema.properties.op.enum).toContain('watermark');
    expect(doc.components.schemas.watermarkParams.required).toEqual(['text']);
  });

  it('exports the contract metrics on the separate metrics port, with route templates', async () => {
    const text = await (await fetch(`http://127.0.0.1:${api.metricsPort}/metrics`)).text();
    expect(text).toMatch(/prodctl_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/jobs\/:id"/);
    expect(text).not.toMatch(/route="\/v1\/jobs\/[0-9a-f]{8}-/);
    for (const name of ['prodctl_http_requests_in_flight', 'prodctl_queue_jobs', 'prodctl_pg_pool_connections', 'prodctl_ready 1', 'prodctl_build_info', 'nodejs_eventloop_lag_seconds']) expect(text).toContain(name);
    const w = await (await fetch(`http://127.0.0.1:${worker.metricsPort}/metrics`)).text();
    expect(w).toMatch(/prodctl_jobs_total\{op="watermark",outcome="completed"\} 1/);
    expect(w).toContain('prodctl_job_duration_seconds_bucket');
    expect(w).toContain('prodctl_worker_active_jobs 0');
  });

  it('logs are JSON and never contain an API key', () => {
    const out = api.output() + worker.output();
    expect(out).not.toContain(alice.slice(4));
    const lines = (api.stdout() + worker.stdout()).split('\n').filter(Boolean);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(out).not.toContain('Deprecation');
  });
});
