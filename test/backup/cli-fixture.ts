// The backup CLI tests' folder: the fixture profile, the public example secrets (test only) and a
// fresh backup key, an uploads folder, and a database `app` with ~60 MB of rows (a kill lands
// in the middle of its dump). Returns the live-stack flags the commands take.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withPg } from './clients.js';
import type { TestPostgres, TestRedis } from '../support/services.js';

const repo = path.resolve(import.meta.dirname, '../..');
const exampleSecrets = path.join(repo, 'examples/small/example-secrets');

export async function prepareBackupCliDir(dir: string, pgs: TestPostgres, rds: TestRedis): Promise<string[]> {
  copyFileSync(path.join(repo, 'test/fixtures/backup/prodctl.yaml'), path.join(dir, 'prodctl.yaml'));
  mkdirSync(path.join(dir, 'secrets'));
  for (const s of readdirSync(exampleSecrets).filter((f) => f !== 'README.md')) copyFileSync(path.join(exampleSecrets, s), path.join(dir, 'secrets', s));
  writeFileSync(path.join(dir, 'secrets/backup_key'), randomBytes(32).toString('hex'), { mode: 0o600 });
  mkdirSync(path.join(dir, 'uploads'));
  await withPg(pgs.connectionString(), (c) => c.query('CREATE DATABASE app'));
  await withPg(pgs.connectionString('app'), (a) => a.query(`CREATE TABLE big AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS a, repeat(md5(g::text), 2) AS b FROM generate_series(1, 400000) g`));
  return ['--pg-url', pgs.connectionString('app'), '--redis-url', rds.url(), '--uploads', path.join(dir, 'uploads')];
}
