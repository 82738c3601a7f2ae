// The API and the worker on S3 storage against the suite's real Ceph RGW: upload, a watermark job
// whose input and output go through the bucket, ranged download, the sweeper removing a deleted
// file's blob, a 200 MB upload with the API's peak RSS measured, and an outage of the store
// while jobs run (503 with Retry-After, no accepted job lost, recovery when it is back).
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePdf } from '../fixtures/runtime/make-fixtures.js';
import { createTestBucket, listKeys, rgwOrSkip, startGateway, type RgwCoordinates, type TestBucket } from '../support/rgw.js';
import { authed, mintKey, startProcess, startRuntimeStack, submitJob, uploadPdf, waitForJob, type RuntimeProcess, type RuntimeStack } from '../runtime/support.js';

const { rgw, reason } = rgwOrSkip();
const MiB = 1024 * 1024;

/** The runtime env for an S3 store: keys as files (0600), no STORAGE_PATH. */
export function s3Env(stack: RuntimeStack, r: RgwCoordinates, bucket: string, endpoint = r.endpoint): Record<string, string> {
  writeFileSync(path.join(stack.dir, 's3-access-key'), r.accessKeyId, { mode: 0o600 });
  writeFileSync(path.join(stack.dir, 's3-secret-key'), r.secretAccessKey, { mode: 0o600 });
  const { STORAGE_PATH: _local, ...env } = stack.env;
  return {
    ...env,
    STORAGE_KIND: 's3',
    S3_ENDPOINT: endpoint,
    S3_REGION: r.region,
    S3_BUCKET: bucket,
    S3_PREFIX: 'prod/',
    S3_FORCE_PATH_STYLE: '1',
    S3_ACCESS_KEY_ID_FILE: path.join(stack.dir, 's3-access-key'),
    S3_SECRET_ACCESS_KEY_FILE: path.join(stack.dir, 's3-secret-key'),
  };
}

/** Peak resident set of a process so far (kernel's high-water mark), in bytes. */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** The end of a body of `total` bytes that has a PDF's structure: an xref table and trailer where startxref points. */
function pdfTail(total: number): Buffer {
  const tailOf = (offset: number) => `\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 >>\nstartxref\n${offset}\n%%EOF\n`;
  let tail = tailOf(total);
  // The offset's digits change the tail's length, and the length the offset: settle both.
  for (;;) {
    const next = tailOf(total - tail.length + 1); // the xref keyword follows the leading newline
    if (next.length === tail.length) return Buffer.from(next);
    tail = next;
  }
}

/** Streams `total` bytes with a PDF's structure (header, random body, xref and trailer) in 1 MiB chunks; resolves with the status and the sha256 sent. */
function streamUpload(base: string, key: string, total: number): Promise<{ status: number; body: any; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const block = randomBytes(MiB);
    const req = http.request(`${base}/v1/files`, { method: 'POST', headers: { ...authed(key), 'content-type': 'application/pdf', 'content-length': String(total) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), sha256: hash.digest('hex') }));
    });
    req.on('error', reject);
    const tail = pdfTail(total);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const chunk = Buffer.from(block.subarray(0, Math.min(MiB, total - sent)));
        if (sent === 0) chunk.write('%PDF-1.7\n');
        chunk.writeUInt32BE(sent / MiB, 100); // every MiB differs
        if (sent + chunk.length === total) tail.copy(chunk, chunk.length - tail.length);
        hash.update(chunk);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe.skipIf(!rgw)(`runtime on S3 storage (Ceph RGW)${rgw ? '' : ` (skipped: ${reason})`}`, () => {
  let stack: RuntimeStack;
  let bucket: TestBucket;
  const procs: RuntimeProcess[] = [];
  beforeAll(async () => {
    [stack, bucket] = await Promise.all([startRuntimeStack(), createTestBucket(rgw!, 'runtime')]);
  });
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await stack?.cleanup();
    await bucket?.remove();
  });

  it('uploads, watermarks, downloads by range and sweeps a deleted file, all through the bucket', async () => {
    const env = { ...s3Env(stack, rgw!, bucket.name), BLOB_GRACE_MS: '1000' };
    const [api, worker] = await Promise.all([startProcess('api', env), startProcess('worker', env)]);
    procs.push(api, worker);
    const key = await mintKey(stack, 'alice');
    const pdf = await makePdf(3);
    const up = await uploadPdf(api.base, key, pdf);
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ sha256: createHash('sha256').update(pdf).digest('hex'), bytes: pdf.length, pages: 3 });
    const inKey = `prod/blobs/${up.body.sha256.slice(0, 2)}/${up.body.sha256}`;
    expect((await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.name, Key: inKey }))).Metadata).toEqual({ sha256: up.body.sha256 });

    const job = await submitJob(api.base, key, { op: 'watermark', inputs: [up.body.id], params: { text: 'S3' } });
    expect(job.status).toBe(202);
    const done = await waitForJob(api.base, key, job.body.id);
    expect(done.state).toBe('completed');
    const outId = done.result[0];
    const whole = Buffer.from(await (await fetch(`${api.base}/v1/files/${outId}`, { headers: authed(key) })).arrayBuffer());
    expect(whole.subarray(0, 5).toString()).toBe('%PDF-');
    const outSha = createHash('sha256').update(whole).digest('hex');
    expect(await listKeys(bucket.client, bucket.name, 'prod/blobs/')).toEqual(expect.arrayContaining([inKey, `prod/blobs/${outSha.slice(0, 2)}/${outSha}`]));
    const ranged = await fetch(`${api.base}/v1/files/${outId}`, { headers: authed(key, { range: 'bytes=100-299' }) });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 100-299/${whole.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(whole.subarray(100, 300))).toBe(true);

    const ready = await (await fetch(`${api.base}/readyz`)).json();
    expect(ready.checks.storage).toBe('ok');

    // The input is deleted: after the grace the worker's sweeper removes its blob from the bucket.
    expect((await fetch(`${api.base}/v1/files/${up.body.id}`, { method: 'DELETE', headers: authed(key) })).status).toBe(204);
    const deadline = Date.now() + 30_000;
    while ((await listKeys(bucket.client, bucket.name, inKey)).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(await listKeys(bucket.client, bucket.name, inKey)).toEqual([]);
    expect(await listKeys(bucket.client, bucket.name, 'prod/blobs/')).toContain(`prod/blobs/${outSha.slice(0, 2)}/${outSha}`);
    await Promise.all([api.stop(), worker.stop()]);
  });

  it('streams a 200 MB upload to the bucket with the API process peak RSS bounded', async () => {
    const total = 200 * MiB;
    const [partSize, queueSize] = [Number(process.env.S3_TEST_PART_MIB ?? 5) * MiB, Number(process.env.S3_TEST_QUEUE ?? 2)];
    const env = { ...s3Env(stack, rgw!, bucket.name), MAX_UPLOAD_BYTES: String(300 * MiB), STORAGE_QUOTA_BYTES: String(1024 * MiB), S3_PART_SIZE_BYTES: String(partSize), S3_QUEUE_SIZE: String(queueSize) };
    const api = await startProcess('api', env);
    procs.push(api);
    const key = await mintKey(stack, 'bob');
    await uploadPdf(api.base, key, await makePdf(1)); // warm: the SDK and the upload path loaded
    const before = peakRss(api.child.pid!);
    const started = Date.now();
    const res = await streamUpload(api.base, key, total);
    const seconds = (Date.now() - started) / 1000;
    const after = peakRss(api.child.pid!);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sha256: res.sha256, bytes: total, pages: null });
    const head = await bucket.client.send(new HeadObjectCommand({ Bucket: bucket.name, Key: `prod/blobs/${res.sha256.slice(0, 2)}/${res.sha256}` }));
    expect(head.ContentLength).toBe(total);
    console.log(`200 MiB upload to S3 (parts ${partSize / MiB} MiB × ${queueSize}): ${seconds.toFixed(1)} s (${(total / MiB / seconds).toFixed(1)} MiB/s); API peak RSS ${(before / MiB).toFixed(0)} MiB before, ${(after / MiB).toFixed(0)} MiB after (+${((after - before) / MiB).toFixed(0)} MiB)`);
    // Bounded by the part settings, not the body: parts in flight, the chunker's part being
    // filled (and the concatenation it slices), and buffers not yet collected.
    // The slack is the process's own noise (GC timing, TLS and SDK buffers): +44 to +61 MiB in quiet
    // runs, +77 MiB once with the whole suite running beside it; far from the 200 MiB of the body.
    expect(after - before).toBeLessThan(3 * (queueSize + 1) * partSize + 48 * MiB);
    await api.stop();
  });

  it('answers 503 with Retry-After while the store is down, loses no accepted job and recovers when it is back', async () => {
    const gw = await startGateway(rgw!);
    try {
      const env = { ...s3Env(stack, rgw!, bucket.name, gw.endpoint), JOB_ATTEMPTS: '2', JOB_BACKOFF_MS: '100' };
      const [api, worker] = await Promise.all([startProcess('api', env), startProcess('worker', env)]);
      procs.push(api, worker);
      const key = await mintKey(stack, 'carol');
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push((await uploadPdf(api.base, key, await makePdf(2 + i))).body.id);
      const first = await submitJob(api.base, key, { op: 'watermark', inputs: [ids[0]], params: { text: 'before' } });
      expect((await waitForJob(api.base, key, first.body.id)).state).toBe('completed');

      await gw.kill();
      const up = await fetch(`${api.base}/v1/files`, { method: 'POST', headers: authed(key, { 'content-type': 'application/pdf' }), body: await makePdf(1) });
      expect(up.status).toBe(503);
      expect(Number(up.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await up.json()).toMatchObject({ error: 'storage_unavailable' });
      const down = await fetch(`${api.base}/v1/files/${ids[1]}`, { headers: authed(key) });
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBeTruthy();
      // Jobs are still accepted (they need only Postgres and Redis) and wait for the store.
      const accepted: string[] = [];
      for (const id of ids) {
        const j = await submitJob(api.base, key, { op: 'watermark', inputs: [id], params: { text: 'during' } });
        expect(j.status).toBe(202);
        accepted.push(j.body.id);
      }
      await new Promise((r) => setTimeout(r, 4_000)); // well past JOB_ATTEMPTS × JOB_BACKOFF_MS
      const ready = await (await fetch(`${api.base}/readyz`)).json();
      expect(ready.checks.storage).toMatch(/^down: /);
      for (const id of accepted) {
        const j = await (await fetch(`${api.base}/v1/jobs/${id}`, { headers: authed(key) })).json();
        expect(j.state).not.toBe('failed');
      }

      await gw.start();
      for (const id of accepted) expect((await waitForJob(api.base, key, id, 60_000)).state).toBe('completed');
      expect((await uploadPdf(api.base, key, await makePdf(1))).status).toBe(201);
      await Promise.all([api.stop(), worker.stop()]);
    } finally {
      await gw.kill();
    }
  });
});
