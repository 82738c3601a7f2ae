// S3 storage and backups against a throwaway Ceph RGW, each measured against its raw baseline in
// the same run, on the same gateway:
//   1. an upload through the API (stream → sha256 + part MD5s → multipart to a temp key → ETag
//      check → server-side copy to the content address) vs a raw lib-storage Upload of the same
//      bytes with the same part settings (goal ≥ 0.8×);
//   2. `prodctl backup` of a database to the bucket (dump + table checksums + zstd + AES-GCM +
//      multipart) vs `pg_dump -Fc | lib-storage Upload` (goal ≥ 0.9×).
//   npx tsx bench/s3.bench.ts [--json] [--mib 64] [--rounds 3] [--rows 1000000]
import { CreateBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { execa } from 'execa';
import pg from 'pg';
import { createBackup } from '../backup/create-backup.js';
import { createLocalPgTools } from '../backup/parts/pg-tools.js';
import { createS3BackupStore } from '../backup/stores/s3.js';
import { findPgBin } from '../lib/local-postgres.js';
import { createS3Client } from '../runtime/core/s3-client.js';
import { startRgwCluster } from '../test/support/rgw-cluster.js';
import { authed, mintKey, startProcess, startRuntimeStack } from '../test/runtime/support.js';

const json = process.argv.includes('--json');
const arg = (name: string, def: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : def);
const MiB = 1024 * 1024;
const total = arg('--mib', 64) * MiB;
const rounds = arg('--rounds', 3);
const rows = arg('--rows', 1_000_000);
const PART = 8 * MiB;
const QUEUE = 4;
const log = (s: string) => {
  if (!json) process.stderr.write(`${s}\n`);
};
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The same bytes for both sides: a PDF header, then 1 MiB blocks stamped with their index and the round. */
function body(round: number): Readable {
  const block = randomBytes(MiB);
  return Readable.from((function* () {
    for (let i = 0; i < total / MiB; i++) {
      const c = Buffer.from(block);
      if (i === 0) c.write('%PDF-1.7\n');
      c.writeUInt32BE(i, 100);
      c.writeUInt32BE(round, 104);
      yield c;
    }
  })());
}

function postThroughApi(base: string, key: string, round: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/files`, { method: 'POST', headers: { ...authed(key), 'content-type': 'application/pdf', 'content-length': String(total) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    body(round).pipe(req);
  });
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
  if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
}

async function main(): Promise<void> {
  const rgw = await startRgwCluster({ memoryBytes: 4096 * MiB });
  const stack = await startRuntimeStack();
  const settings = { endpoint: rgw.endpoint, region: rgw.region, forcePathStyle: true, accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey, prefix: '', partSize: PART, queueSize: QUEUE, maxAttempts: 4 };
  const client = createS3Client({ ...settings, bucket: 'bench' });
  try {
    for (const b of ['bench-api', 'bench-raw', 'bench-backup']) await client.send(new CreateBucketCommand({ Bucket: b }));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${stack.dir}/ak`, rgw.accessKeyId);
    writeFileSync(`${stack.dir}/sk`, rgw.secretAccessKey);
    const { STORAGE_PATH: _l, ...env } = stack.env;
    const api = await startProcess('api', {
      ...env, LOG_LEVEL: 'warn', STORAGE_KIND: 's3', S3_ENDPOINT: rgw.endpoint, S3_BUCKET: 'bench-api', S3_FORCE_PATH_STYLE: '1',
      S3_ACCESS_KEY_ID_FILE: `${stack.dir}/ak`, S3_SECRET_ACCESS_KEY_FILE: `${stack.dir}/sk`, S3_PART_SIZE_BYTES: String(PART), S3_QUEUE_SIZE: String(QUEUE),
      MAX_UPLOAD_BYTES: String(total + MiB), STORAGE_QUOTA_BYTES: String(100 * total),
    });
    const key = await mintKey(stack, 'bench');
    const apiTimes: number[] = [];
    const rawTimes: number[] = [];
    // Warm-up of both paths, untimed; then alternate so load on the shared machine hits both alike.
    await postThroughApi(api.base, key, 1000);
    await new Upload({ client, params: { Bucket: 'bench-raw', Key: 'warm', Body: body(1001) }, partSize: PART, queueSize: QUEUE }).done();
    for (let r = 0; r < rounds; r++) {
      let t0 = process.hrtime.bigint();
      await new Upload({ client, params: { Bucket: 'bench-raw', Key: `raw-${r}`, Body: body(r) }, partSize: PART, queueSize: QUEUE }).done();
      rawTimes.push(seconds(t0));
      t0 = process.hrtime.bigint();
      const status = await postThroughApi(api.base, key, r);
      apiTimes.push(seconds(t0));
      if (status !== 201) throw new Error(`API upload answered ${status}`);
      log(`round ${r + 1}: raw ${rawTimes[r].toFixed(2)} s, API ${apiTimes[r].toFixed(2)} s`);
      await Promise.all([emptyBucket(client, 'bench-raw')]);
    }
    await api.stop();

    // Backups: a generated table, then raw pg_dump | Upload vs prodctl backup, alternating.
    await stack.db.query(`CREATE TABLE events AS SELECT g AS id, md5(g::text) AS a, repeat(md5((g % 1000)::text), 3) AS c, (random() * 1e9)::bigint AS n FROM generate_series(1, ${rows}) g`);
    await stack.db.query('ALTER TABLE events ADD PRIMARY KEY (id)');
    const size = Number((await stack.db.query(`SELECT pg_database_size(current_database()) AS s`)).rows[0].s);
    log(`database: ${(size / 1e6).toFixed(0)} MB`);
    const conn = { host: stack.pg.host, port: stack.pg.port, user: stack.pg.user, database: stack.database };
    const store = createS3BackupStore({ ...settings, bucket: 'bench-backup', prefix: 'backups/' });
    const rawBackup: number[] = [];
    const ourBackup: number[] = [];
    for (let r = 0; r < rounds; r++) {
      let t0 = process.hrtime.bigint();
      const dump = execa(findPgBin('pg_dump'), ['-Fc', '-h', conn.host, '-p', String(conn.port), '-U', conn.user, conn.database], { buffer: false });
      await new Upload({ client, params: { Bucket: 'bench-raw', Key: `dump-${r}`, Body: dump.stdout! }, partSize: 16 * MiB, queueSize: QUEUE }).done();
      await dump;
      rawBackup.push(seconds(t0));
      t0 = process.hrtime.bigint();
      await createBackup({ store, sources: { postgres: { conn, tools: createLocalPgTools() } }, codec: { compression: 'zstd', key: randomBytes(32) }, profileHash: 'bench', toolVersion: 'bench' });
      ourBackup.push(seconds(t0));
      log(`backup round ${r + 1}: pg_dump -Fc | Upload ${rawBackup[r].toFixed(2)} s, prodctl backup ${ourBackup[r].toFixed(2)} s`);
    }

    const mibps = (s: number) => Number((total / MiB / s).toFixed(1));
    const mbps = (s: number) => Number((size / 1e6 / s).toFixed(1));
    const results = [
      { name: `API upload to S3 (${total / MiB} MiB) vs raw lib-storage Upload`, value: mibps(median(apiTimes)), unit: 'MiB/s', baseline: mibps(median(rawTimes)), ratio: Number((median(rawTimes) / median(apiTimes)).toFixed(2)), goal: 0.8 },
      { name: 'backup to S3 vs pg_dump -Fc | lib-storage Upload', value: mbps(median(ourBackup)), unit: 'MB/s', baseline: mbps(median(rawBackup)), ratio: Number((median(rawBackup) / median(ourBackup)).toFixed(2)), goal: 0.9 },
    ];
    if (!json) for (const r of results) log(`${r.name}: ${r.value} ${r.unit} (baseline ${r.baseline}, ratio ${r.ratio}, goal ≥ ${r.goal})`);
    process.stdout.write(`${JSON.stringify({ bench: 's3', rounds, database_bytes: size, results })}\n`);
  } finally {
    client.destroy();
    await stack.cleanup();
    await rgw.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
