// Which errors mean "a backing service is away": decided by class and code, and checked here on
// the errors the real pg and ioredis clients raise, not on hand-made look-alikes only.
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort } from '../../lib/net.js';
import { isDependencyOutage } from '../../runtime/core/outage.js';
import { createOutageBackoff, retryUntilDone } from '../../runtime/worker/outage-backoff.js';
import { startTestPostgres, type TestPostgres } from '../support/services.js';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.cleanup();
});

async function caught(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err) => err,
  );
}

describe('errors of real clients', () => {
  it('pg: a refused connection, a terminated backend (57P01) and a pool timeout are outages; bad SQL is not', async () => {
    const port = await getFreePort();
    const refused = await caught(new pg.Client({ host: '127.0.0.1', port, user: 'x', connectionTimeoutMillis: 2_000 }).connect());
    expect((refused as { code: string }).code).toBe('ECONNREFUSED');
    expect(isDependencyOutage(refused)).toBe(true);

    const victim = new pg.Client({ connectionString: server.connectionString() });
    victim.on('error', () => {});
    await victim.connect();
    const pid = (await victim.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const admin = new pg.Client({ connectionString: server.connectionString() });
    await admin.connect();
    const killed = caught(victim.query('SELECT pg_sleep(10)'));
    await new Promise((r) => setTimeout(r, 200));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const terminated = await killed;
    expect((terminated as { code: string }).code).toBe('57P01');
    expect(isDependencyOutage(terminated)).toBe(true);
    // The dead client's next query: pg's own codeless error.
    expect(isDependencyOutage(await caught(victim.query('SELECT 1')))).toBe(true);

    const syntax = await caught(admin.query('SELEC 1'));
    expect((syntax as { code: string }).code).toBe('42601');
    expect(isDependencyOutage(syntax)).toBe(false);
    const missing = await caught(admin.query('SELECT * FROM no_such_table'));
    expect(isDependencyOutage(missing)).toBe(false);
    await admin.end();

    const pool = new pg.Pool({ connectionString: server.connectionString(), max: 1, connectionTimeoutMillis: 300 });
    const held = await pool.connect();
    const timedOut = await caught(pool.query('SELECT 1'));
    expect(isDependencyOutage(timedOut)).toBe(true);
    held.release();
    await pool.end();
  });

  it('ioredis: MaxRetriesPerRequestError and a producer without an offline queue are outages; a WRONGTYPE reply is not', async () => {
    const port = await getFreePort();
    const retrying = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    retrying.on('error', () => {});
    const maxed = await caught(retrying.get('k'));
    expect((maxed as Error).name).toBe('MaxRetriesPerRequestError');
    expect(isDependencyOutage(maxed)).toBe(true);
    retrying.disconnect();

    const producer = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 });
    producer.on('error', () => {});
    expect(isDependencyOutage(await caught(producer.get('k')))).toBe(true);
    producer.disconnect();
  });
});

describe('hand-made errors by code', () => {
  it('classifies by code and class, not by message', () => {
    const withCode = (message: string, code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { code, ...extra });
    expect(isDependencyOutage(withCode('read ECONNRESET', 'ECONNRESET'))).toBe(true);
    expect(isDependencyOutage(withCode('write EPIPE', 'EPIPE'))).toBe(true);
    expect(isDependencyOutage(withCode('anything', 'ETIMEDOUT'))).toBe(true);
    // A message that only looks like an outage is not one.
    expect(isDependencyOutage(new Error('ECONNREFUSED while parsing the PDF'))).toBe(false);
    const dbError = (code: string) => Object.assign(new Error('x'), { name: 'error', severity: 'FATAL', code });
    for (const code of ['57P01', '57P02', '57P03', '08006', '08001', '53300', '57014']) expect(isDependencyOutage(dbError(code)), code).toBe(true);
    for (const code of ['23505', '22P02', '42P01', '40001']) expect(isDependencyOutage(dbError(code)), code).toBe(false);
    const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
    expect(isDependencyOutage(reply('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isDependencyOutage(reply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
    expect(isDependencyOutage(new Error('wrapped', { cause: withCode('connect ECONNREFUSED', 'ECONNREFUSED') }))).toBe(true);
    expect(isDependencyOutage(new AggregateError([withCode('a', 'ECONNREFUSED')]))).toBe(true);
    expect(isDependencyOutage(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('waiting out an outage', () => {
  it('delays double from 250 ms up to 5 s and start small again after a success', () => {
    const b = createOutageBackoff();
    expect(Array.from({ length: 7 }, () => b.next())).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    b.reset();
    expect(b.next()).toBe(250);
  });

  it('retryUntilDone keeps trying until the call succeeds, reporting each failure', async () => {
    let calls = 0;
    const heard: number[] = [];
    const out = await retryUntilDone(
      async () => {
        if (++calls < 4) throw Object.assign(new Error('down'), { code: 'ECONNREFUSED' });
        return 'recorded';
      },
      (_err, ms) => heard.push(ms),
      createOutageBackoff(1, 4),
    );
    expect(out).toBe('recorded');
    expect(calls).toBe(4);
    expect(heard).toEqual([1, 2, 4]);
  });
});
