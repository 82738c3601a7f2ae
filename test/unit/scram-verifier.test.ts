// The SCRAM verifier prodctl sends instead of a password, against a real Postgres: the same bytes
// Postgres computes itself for the same salt, and a role given only the verifier logs in with the
// password over scram (and not with another one).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initPostgres, startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { scramSha256Verifier } from '../../lib/scram-verifier.js';
import { chownTree, serviceUser } from '../../lib/system-user.js';

describe('scramSha256Verifier on a real Postgres (scram on loopback)', () => {
  let root: string;
  let server: LocalPostgres;
  let admin: pg.Client;

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'prodctl-scram-'));
    chownTree(root, serviceUser('postgres'));
    const dataDir = path.join(root, 'data');
    await initPostgres({ dataDir, password: 'super-secret-for-this-test' });
    server = await startPostgres({ dataDir, password: 'super-secret-for-this-test', settings: { fsync: 'off' } });
    admin = new pg.Client({ connectionString: server.connectionString() });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('equals the verifier Postgres computes for the same password, salt and iterations', async () => {
    await admin.query("CREATE ROLE scram_a LOGIN PASSWORD 'Tr0ub4dor&3-correct horse'");
    const stored = (await admin.query<{ p: string }>("SELECT rolpassword AS p FROM pg_authid WHERE rolname = 'scram_a'")).rows[0].p;
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    expect(scramSha256Verifier('Tr0ub4dor&3-correct horse', Buffer.from(m[2], 'base64'), Number(m[1]))).toBe(stored);
  });

  it('a role created with only the verifier logs in with the password, not with another', async () => {
    const v = scramSha256Verifier('only-the-verifier-went-over-the-wire');
    expect(v).toMatch(/^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$/);
    await admin.query(`CREATE ROLE scram_b LOGIN PASSWORD ${admin.escapeLiteral(v)}`);
    expect((await admin.query("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_b'")).rows[0].rolpassword).toBe(v);
    const login = async (password: string) => {
      const c = new pg.Client({ host: server.host, port: server.port, user: 'scram_b', database: 'postgres', password });
      try {
        await c.connect();
        return (await c.query('SELECT current_user AS u')).rows[0].u as string;
      } finally {
        await c.end().catch(() => {});
      }
    };
    expect(await login('only-the-verifier-went-over-the-wire')).toBe('scram_b');
    await expect(login('something-else')).rejects.toThrow(/password authentication failed for user "scram_b"/);
  });
});
