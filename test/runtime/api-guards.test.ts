// What the API refuses or guards, end to end against real Postgres and Redis: uploads without a
// PDF's structure (415), credentials in a URL (400), a source that keeps failing authentication
// (429 with Retry-After, even for a right key), download headers, and job outputs that would pass
// the owner's storage quota (the job fails with a reason, nothing is recorded).
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobPathOf } from '../../runtime/core/blob-layout.js';
import { KEEP_IN_MEMORY_BYTES } from '../../runtime/core/storage.js';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from './support.js';

let stack: RuntimeStack;
let api: RuntimeProcess;
let key: string;
const procs: RuntimeProcess[] = [];
const MISSING_JOB = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  stack = await startRuntimeStack();
  api = await startProcess('api', stack.env, { AUTH_FAILURE_BURST: '3', AUTH_FAILURES_PER_MINUTE: '30' });
  procs.push(api);
  key = await mintKey(stack, 'guards');
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
  await stack?.cleanup();
});

/** A valid PDF bigger than what the store keeps in memory: its check reads the stored file. */
async function bigPdf(useObjectStreams: boolean): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await makePdf(2, 'big'));
  // An uncompressible stream (random bytes are not deflated by save()).
  const noise = new Uint8Array(KEEP_IN_MEMORY_BYTES + 200_000).map(() => Math.floor(Math.random() * 256));
  doc.context.register(doc.context.stream(noise));
  return doc.save({ useObjectStreams });
}

describe('uploads must have a PDF structure', () => {
  it('a header only, a truncated PDF and junk behind %PDF- get 415 in the error shape; nothing is kept', async () => {
    const good = await makePdf(3, 'cut');
    const cases: [Uint8Array, string][] = [
      [Buffer.from('%PDF-1.7\n'), 'not a PDF: no startxref and %%EOF at the end of the file (truncated or not a PDF)'],
      [good.subarray(0, good.length - 30), 'not a PDF: no startxref and %%EOF at the end of the file (truncated or not a PDF)'],
      [Buffer.from('%PDF-1.4\n<html><script>alert(1)</script></html>\nstartxref\n9\n%%EOF\n'), 'not a PDF: startxref points to byte 9, where there is neither an xref table nor an xref stream'],
    ];
    for (const [bytes, message] of cases) {
      expect(await uploadPdf(api.base, key, bytes)).toEqual({ status: 415, body: { error: 'unsupported_media_type', message } });
    }
    const rows = await stack.db.query(`SELECT count(*)::int AS n FROM files f JOIN users u ON u.id = f.user_id WHERE u.name = 'guards'`);
    expect(rows.rows[0].n).toBe(0);
  });

  it('PDFs with an xref stream or table pass, in memory and read back from the store; a large truncated one is refused', async () => {
    const [stream, table] = await Promise.all([bigPdf(true), bigPdf(false)]);
    for (const pdf of [stream, table]) {
      expect(pdf.length).toBeGreaterThan(KEEP_IN_MEMORY_BYTES);
      const up = await uploadPdf(api.base, key, pdf);
      expect([up.status, up.body.bytes, up.body.pages]).toEqual([201, pdf.length, 2]);
    }
    const small = await makePdf(1, 'xref stream');
    expect(Buffer.from(small).toString('latin1')).toMatch(/\/Type \/XRef/);
    expect((await uploadPdf(api.base, key, small)).status).toBe(201);
    const cut = await uploadPdf(api.base, key, stream.subarray(0, KEEP_IN_MEMORY_BYTES + 100_000));
    expect(cut).toEqual({ status: 415, body: { error: 'unsupported_media_type', message: 'not a PDF: no startxref and %%EOF at the end of the file (truncated or not a PDF)' } });
  });
});

describe('credentials in the URL', () => {
  it.each([
    ['/v1/jobs/ID?api_key=KEY', 'api_key'],
    ['/v1/jobs/ID?key=KEY', 'key'],
    ['/v1/jobs/ID?token=KEY', 'token'],
    ['/v1/jobs/ID?Access_Token=abc', 'Access_Token'],
    ['/v1/jobs/ID?page=2&x=KEY', 'x'],
    ['/livez?api_key=KEY', 'api_key'],
    ['/no/such/route?token=KEY', 'token'],
  ])('%s → 400 naming the parameter, whatever the route and whether the key is right', async (url, name) => {
    const res = await fetch(`${api.base}${url.replace('ID', MISSING_JOB).replace('KEY', key)}`, { headers: authed(key) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'credentials_in_query',
      message: `credentials are not accepted in the URL (query parameter "${name}"): URLs are logged; send them as Authorization: Bearer <key or token>, and revoke a key that was sent this way`,
      field: `querystring.${name}`,
    });
  });

  it('a JWT under any name is refused too; an ordinary query string is not', async () => {
    const jwt = await stack.jwks.sign('someone');
    expect((await fetch(`${api.base}/v1/jobs/${MISSING_JOB}?state=${jwt}`)).status).toBe(400);
    expect((await fetch(`${api.base}/v1/jobs/${MISSING_JOB}?page=2&sort=desc`, { headers: authed(key) })).status).toBe(404);
    expect(api.stdout()).not.toContain(key);
  });
});

describe('failed authentication, per source', () => {
  const from = (ip: string, k: string) => ({ headers: authed(k, { 'x-forwarded-for': ip }) });
  const url = () => `${api.base}/v1/jobs/${MISSING_JOB}`;

  it('after 3 failures a source gets 429 with Retry-After, even with a right key; other sources are not affected; it recovers', async () => {
    const wrong = 'pdk_' + 'x'.repeat(40);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(url(), from('203.0.113.7', wrong))).status);
    expect(statuses).toEqual([401, 401, 401]);
    const limited = await fetch(url(), from('203.0.113.7', wrong));
    expect(limited.status).toBe(429);
    expect(await limited.json()).toEqual({ error: 'auth_rate_limited', message: expect.stringMatching(/^too many failed authentications from this address; retry after [12] s$/) });
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect([1, 2]).toContain(retryAfter); // 30 a minute: one attempt back every 2 s
    // A right key from the limited source learns nothing either.
    expect((await fetch(url(), from('203.0.113.7', key))).status).toBe(429);
    expect((await fetch(`${api.base}/v1/jobs/${MISSING_JOB}`, { headers: {} })).status).toBe(401); // no header at all: itself a failure, of 127.0.0.1
    // Another source, and the same network's next address, are unaffected.
    expect((await fetch(url(), from('203.0.113.8', key))).status).toBe(404);
    expect((await fetch(url(), from('198.51.100.1', wrong))).status).toBe(401);
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await fetch(url(), from('203.0.113.7', key))).status).toBe(404);
    const metrics = await (await fetch(`http://127.0.0.1:${api.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/prodctl_http_rate_limited_total\{bucket="auth_failure"\} 2\n/);
  });

  it('routes without auth (health) are never limited by it', async () => {
    const wrong = 'pdk_' + 'y'.repeat(40);
    for (let i = 0; i < 4; i++) await fetch(url(), from('203.0.113.9', wrong));
    expect((await fetch(url(), from('203.0.113.9', wrong))).status).toBe(429);
    expect((await fetch(`${api.base}/livez`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(200);
  });
});

describe('downloads', () => {
  it('carry nosniff and a sandboxing CSP on 200, 206 and 304', async () => {
    const { body: f } = await uploadPdf(api.base, key, await makePdf(1, 'download'));
    const full = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(key) });
    const part = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(key, { range: 'bytes=0-9' }) });
    const cached = await fetch(`${api.base}/v1/files/${f.id}`, { headers: authed(key, { 'if-none-match': `"${f.sha256}"` }) });
    for (const [res, status] of [[full, 200], [part, 206], [cached, 304]] as const) {
      expect(res.status).toBe(status);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toBe('sandbox');
      expect(res.headers.get('content-type')).toBe(status === 304 ? null : 'application/pdf');
    }
  });
});

describe("job outputs count toward the owner's storage quota", () => {
  it('a split whose outputs would pass the quota fails with the reason and records nothing; outputs within it count at the next upload', async () => {
    const ten = await makePdf(10, 'quota');
    const one = await makePdf(1, 'q');
    const quota = ten.length + 1_000;
    const env = { STORAGE_QUOTA_BYTES: String(quota), QUEUE_NAME: `${stack.env.QUEUE_NAME}-quota` };
    const [qApi, worker] = await Promise.all([startProcess('api', stack.env, env), startProcess('worker', stack.env, env)]);
    procs.push(qApi, worker);
    const [owner, small] = await Promise.all([mintKey(stack, 'quota-owner'), mintKey(stack, 'quota-small')]);

    const input = (await uploadPdf(qApi.base, owner, ten)).body;
    expect(input.bytes).toBe(ten.length);
    const info = await waitForJob(qApi.base, owner, (await submitJob(qApi.base, owner, { op: 'info', inputs: [input.id] })).body.id);
    expect(info.state).toBe('completed'); // no outputs: nothing to count
    const split = await waitForJob(qApi.base, owner, (await submitJob(qApi.base, owner, { op: 'split', inputs: [input.id], params: { ranges: ['1-5', '6-10'] } })).body.id);
    expect([split.state, split.attempts, split.result]).toEqual(['failed', 1, []]);
    const m = /^storage quota exceeded: the job's outputs \((\d+) bytes\) would bring your storage to (\d+) of (\d+) bytes; delete files and submit the job again$/.exec(split.error);
    expect(m).not.toBeNull();
    const outputBytes = Number(m![1]);
    expect([Number(m![2]), Number(m![3])]).toEqual([ten.length + outputBytes, quota]);
    expect(outputBytes).toBeGreaterThan(1_000);
    // No file rows for the outputs; their blobs wait for the sweeper under tombstones, and add up
    // to the bytes the message names.
    const files = await stack.db.query(`SELECT count(*)::int AS n, sum(bytes)::int AS bytes FROM files f JOIN users u ON u.id = f.user_id WHERE u.name = 'quota-owner'`);
    expect(files.rows[0]).toEqual({ n: 1, bytes: ten.length });
    const orphans = (await stack.db.query('SELECT sha256 FROM blob_tombstones t WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.sha256 = t.sha256)')).rows.map((r) => r.sha256);
    expect(orphans).toHaveLength(2);
    const root = stack.env.STORAGE_PATH;
    expect(orphans.map((sha) => existsSync(blobPathOf(root, sha)) && statSync(blobPathOf(root, sha)).size).reduce((a, b) => a + b, 0)).toBe(outputBytes);

    // Within the quota a job completes, and its output is counted when the owner uploads next.
    const first = (await uploadPdf(qApi.base, small, one)).body;
    const rotated = await waitForJob(qApi.base, small, (await submitJob(qApi.base, small, { op: 'rotate', inputs: [first.id], params: { degrees: 90 } })).body.id);
    expect(rotated.state).toBe('completed');
    const used = (await stack.db.query(`SELECT sum(bytes)::int AS n FROM files f JOIN users u ON u.id = f.user_id WHERE u.name = 'quota-small'`)).rows[0].n;
    expect(used).toBeGreaterThan(one.length);
    const refused = await uploadPdf(qApi.base, small, ten);
    expect(refused).toEqual({ status: 413, body: { error: 'quota_exceeded', message: `storage quota exceeded: ${used} of ${quota} bytes used; delete files first` } });
    expect(readFileSync(path.join(root, 'blobs', first.sha256.slice(0, 2), first.sha256)).length).toBe(one.length);
  });
});
