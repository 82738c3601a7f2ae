// prodctl migrate and prodctl keys against a real Postgres.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findUserByKey } from '../../runtime/core/api-keys.js';
import { findMigrationsDir, listMigrations } from '../../runtime/core/migrate.js';
import { createDatabase, makeTempDir, startTestPostgres, type TestPostgres } from '../support/services.js';
import { ROOT } from './support.js';

let server: TestPostgres;
let url: string;
let db: pg.Pool;
const dir = makeTempDir('prodctl-cli-');
const pepperFile = path.join(dir, 'pepper');

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href, path.join(ROOT, 'test/runtime/run-cli.ts'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await startTestPostgres();
  url = await createDatabase(server, 'clidb');
  db = new pg.Pool({ connectionString: url, max: 2 });
  db.on('error', () => {});
  writeFileSync(pepperFile, 'a-test-pepper-value-123');
});

afterAll(async () => {
  await db?.end();
  await server?.cleanup();
});

describe('prodctl migrate', () => {
  it('applies pending migrations once, even when two run at the same time', async () => {
    const [a, b] = await Promise.all([cli(['migrate', '--database-url', url, '--json']), cli(['migrate', '--database-url', url, '--json'])]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const runs = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    const all = listMigrations(findMigrationsDir());
    expect(all.map((m) => m.name).slice(0, 2)).toEqual(['001_init', '002_blob_tombstones']);
    expect(runs.flatMap((r) => r.appliedNow)).toEqual(all.map((m) => m.name)); // each applied exactly once, by one of them
    for (const r of runs) expect(r).toMatchObject({ current: true, pending: [], applied: all.map((m) => m.version) });
    const again = await cli(['migrate', '--database-url', url]);
    expect(again.stdout).toContain(`database is up to date (${all.length} migrations)`);
  });

  it('fails with a hint when Postgres is unreachable', async () => {
    const r = await cli(['migrate', '--database-url', 'postgresql://nobody@127.0.0.1:1/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot connect to Postgres .* — is the stack up/);
  });
});

describe('prodctl keys', () => {
  it('creates a key shown once, stores only its hash, lists and revokes it', async () => {
    const created = await cli(['keys', 'create', '--user', 'billing', '--json', '--database-url', url, '--pepper-file', pepperFile]);
    expect(created.code, created.stderr).toBe(0);
    const k = JSON.parse(created.stdout);
    expect(k.key).toMatch(/^pdk_[A-Za-z0-9_-]{40,}$/);
    expect(k.user).toBe('billing');
    const stored = await db.query('SELECT key_hash FROM api_keys WHERE id = $1', [k.id]);
    expect(stored.rows[0].key_hash).not.toContain(k.key.slice(4));
    expect(await findUserByKey(db, k.key, 'a-test-pepper-value-123')).toBeTruthy();
    expect(await findUserByKey(db, k.key, 'another-pepper')).toBeNull();

    const list = await cli(['keys', 'list', '--user', 'billing', '--database-url', url]);
    expect(list.stdout).toContain(`${k.prefix}…`);
    expect(list.stdout).toContain('active');
    expect(list.stdout).not.toContain(k.key);

    const revoked = await cli(['keys', 'revoke', k.prefix, '--database-url', url]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain('revoked 1 key');
    expect(await findUserByKey(db, k.key, 'a-test-pepper-value-123')).toBeNull();
    const again = await cli(['keys', 'revoke', k.prefix, '--database-url', url]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('no active key matches');
  });

  it('prints the plain key on stdout without --json', async () => {
    const r = await cli(['keys', 'create', '--user', 'ops', '--database-url', url, '--pepper-file', pepperFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^pdk_\S+$/);
    expect(r.stderr).toContain('cannot be shown again');
  });
});
