// Backup throughput against raw `pg_dump -Fc` of the same ~1 GB database in the same run (goal
// ≥ 0.9×), and the time of restore-plus-verify (checksums, scratch restore, table compare) against
// a raw `pg_restore` of the raw dump. The database is generated with generate_series.
//   npx tsx bench/backup.bench.ts [--json] [--rows 4500000]
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { createBackup } from '../backup/create-backup.js';
import { createLocalPgTools } from '../backup/parts/pg-tools.js';
import { createLocalStore } from '../backup/stores/local.js';
import { verifySet } from '../backup/verify.js';
import { findPgBin, initPostgres, startPostgres } from '../lib/local-postgres.js';
import { chownTree, serviceUser } from '../lib/system-user.js';

const json = process.argv.includes('--json');
const arg = (name: string) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : undefined);
const rows = arg('--rows') ?? 4_500_000;
const log = (s: string) => {
  if (!json) process.stderr.write(`${s}\n`);
};
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'prodctl-bench-backup-'));
  mkdirSync(path.join(root, 'pg'));
  chownTree(root, serviceUser('postgres'));
  const dataDir = path.join(root, 'pg', 'data');
  await initPostgres({ dataDir });
  const server = await startPostgres({ dataDir, settings: { shared_buffers: '256MB', max_wal_size: '4GB', fsync: 'off' }, logFile: path.join(root, 'pg.log') });
  const conn = { host: server.host, port: server.port, user: server.user, database: 'bench' };
  try {
    const admin = new pg.Client({ connectionString: server.connectionString() });
    await admin.connect();
    await admin.query('CREATE DATABASE bench');
    await admin.end();
    const db = new pg.Client({ connectionString: server.connectionString('bench') });
    await db.connect();
    log(`generating ${rows} rows…`);
    let t0 = process.hrtime.bigint();
    // Mixed compressibility: hex digests (~2×), a repeated text (high) and random-ish numbers.
    await db.query(`CREATE TABLE events AS SELECT g AS id, md5(g::text) AS a, md5((g * 31)::text) AS b, repeat(md5((g % 1000)::text), 3) AS c,
      (random() * 1e9)::bigint AS n, now() - (g || ' seconds')::interval AS at FROM generate_series(1, ${rows}) g`);
    await db.query('ALTER TABLE events ADD PRIMARY KEY (id)');
    await db.query('VACUUM ANALYZE events');
    const size = Number((await db.query(`SELECT pg_database_size('bench') AS s`)).rows[0].s);
    await db.end();
    log(`database: ${(size / 1e9).toFixed(2)} GB in ${seconds(t0).toFixed(1)} s`);

    // Warm the cache equally for both runs.
    await execa(findPgBin('pg_dump'), ['-Fc', '-h', server.host, '-p', String(server.port), '-U', server.user, '--no-sync', '-f', '/dev/null', 'bench']);

    const rawFile = path.join(root, 'raw.dump');
    t0 = process.hrtime.bigint();
    await execa(findPgBin('pg_dump'), ['-Fc', '-h', server.host, '-p', String(server.port), '-U', server.user, '-f', rawFile, 'bench']);
    const rawSecs = seconds(t0);
    const rawBytes = statSync(rawFile).size;
    log(`raw pg_dump -Fc: ${rawSecs.toFixed(1)} s, ${(rawBytes / 1e6).toFixed(0)} MB`);

    const store = createLocalStore(path.join(root, 'store'));
    const key = randomBytes(32);
    t0 = process.hrtime.bigint();
    const manifest = await createBackup({ store, sources: { postgres: { conn, tools: createLocalPgTools() } }, codec: { compression: 'zstd', key }, profileHash: 'bench', toolVersion: 'bench' });
    const oursSecs = seconds(t0);
    const oursBytes = manifest.parts.postgres!.files[0].bytes;
    log(`prodctl backup (dump + per-table checksums + zstd + AES-256-GCM + sha256): ${oursSecs.toFixed(1)} s, ${(oursBytes / 1e6).toFixed(0)} MB`);

    const restoreDb = { ...conn, database: 'rawrestore' };
    const a2 = new pg.Client({ connectionString: server.connectionString() });
    await a2.connect();
    await a2.query('CREATE DATABASE rawrestore');
    await a2.end();
    t0 = process.hrtime.bigint();
    await execa(findPgBin('pg_restore'), ['--no-owner', '-h', server.host, '-p', String(server.port), '-U', server.user, '-d', restoreDb.database, rawFile]);
    const rawRestoreSecs = seconds(t0);
    log(`raw pg_restore: ${rawRestoreSecs.toFixed(1)} s`);

    t0 = process.hrtime.bigint();
    const record = await verifySet({ store, manifest, key, pgTools: createLocalPgTools(), scratchParent: root });
    const verifySecs = seconds(t0);
    if (!record.ok) throw new Error(`verify failed: ${record.problems.join('; ')}`);
    log(`prodctl backup verify (checksums + scratch instance + restore + table compare): ${verifySecs.toFixed(1)} s`);

    const mbps = (s: number) => Number((size / 1e6 / s).toFixed(1));
    const results = [
      { name: 'backup throughput (1 GB-class DB) vs pg_dump -Fc', value: mbps(oursSecs), unit: 'MB/s', baseline: mbps(rawSecs), ratio: Number((rawSecs / oursSecs).toFixed(2)), goal: 0.9 },
      { name: 'backup size vs pg_dump -Fc', value: Number((oursBytes / 1e6).toFixed(1)), unit: 'MB', baseline: Number((rawBytes / 1e6).toFixed(1)), ratio: Number((oursBytes / rawBytes).toFixed(2)), goal: null },
      { name: 'restore + verify time vs raw pg_restore', value: Number(verifySecs.toFixed(1)), unit: 's', baseline: Number(rawRestoreSecs.toFixed(1)), ratio: Number((verifySecs / rawRestoreSecs).toFixed(2)), goal: null },
    ];
    if (!json) for (const r of results) log(`${r.name}: ${r.value} ${r.unit} (baseline ${r.baseline}, ratio ${r.ratio}${r.goal ? `, goal ≥ ${r.goal}` : ''})`);
    process.stdout.write(`${JSON.stringify({ bench: 'backup', database_bytes: size, results })}\n`);
  } finally {
    await server.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
