// Faults for outage tests: Postgres and Redis killed with SIGKILL and started again on the same
// port and data, as a crashed server comes back under a supervisor, plus a steady client load that
// records every answer.
import path from 'node:path';
import { startPostgres, type LocalPostgres } from '../../lib/local-postgres.js';
import { startRedis, type LocalRedis } from '../../lib/local-redis.js';
import { authed, type RuntimeStack } from './support.js';

export interface Restartable {
  /** SIGKILL, `downMs` without the server, then started again; resolves with the measured outage in ms. */
  crash(downMs: number): Promise<number>;
  /** Stops the instance started last (the stack's cleanup stops only the first one). */
  stop(): Promise<void>;
}

async function killHard(p: { exitCode: number | null; signalCode: string | null; kill(s: NodeJS.Signals): boolean; once(e: 'exit', f: () => void): unknown }): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGKILL');
  await gone;
}

/** Tries `start` until it succeeds: a killed postmaster's backends take a moment to notice and exit. */
async function startAgain<T>(start: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      return await start();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export function restartablePostgres(stack: RuntimeStack, settings: Record<string, string | number> = { fsync: 'off', max_connections: 200 }): Restartable {
  let current: LocalPostgres = stack.pg;
  return {
    async crash(downMs) {
      const t0 = Date.now();
      await killHard(current.process!);
      await new Promise((r) => setTimeout(r, downMs));
      current = await startAgain(() => startPostgres({ dataDir: stack.pg.dataDir, port: stack.pg.port, settings, logFile: path.join(stack.pg.dataDir, '..', 'postgres.log') }));
      return Date.now() - t0;
    },
    async stop() {
      if (current !== stack.pg) await current.stop();
    },
  };
}

export function restartableRedis(stack: RuntimeStack, settings: Record<string, string | number>): Restartable {
  let current: LocalRedis = stack.redis;
  return {
    async crash(downMs) {
      const t0 = Date.now();
      await killHard(current.process);
      await new Promise((r) => setTimeout(r, downMs));
      current = await startAgain(() => startRedis({ dir: stack.redis.dir, port: stack.redis.port, settings, logFile: path.join(stack.redis.dir, 'redis.log') }));
      return Date.now() - t0;
    },
    async stop() {
      if (current !== stack.redis) await current.stop();
    },
  };
}

export interface Answer {
  kind: 'submit' | 'status';
  status: number;
  retryAfter: string | null;
  body: unknown;
}

export interface LoadResult {
  answers: Answer[];
  /** Idempotency key → job id of the 202 that ended its retries. */
  accepted: Map<string, string>;
  /** Keys whose first answer was 503 and whose retry was a replay: the 503 was not the truth. */
  replayedAfter503: string[];
  /** Requests that got no HTTP answer at all (the API itself was unreachable). */
  networkErrors: number;
}

/**
 * `users` clients, each submitting a job with its own Idempotency-Key every `pauseMs` and reading
 * the status of its last job; a 503 is retried with the same key after Retry-After (capped at
 * 500 ms to keep the load steady), as a well-behaved client does. Runs until `until` resolves and
 * at least `minAccepted` jobs were accepted.
 */
export async function runLoad(base: string, key: string, body: unknown, o: { users: number; pauseMs: number; until: Promise<unknown>; minAccepted: number }): Promise<LoadResult> {
  const res: LoadResult = { answers: [], accepted: new Map(), replayedAfter503: [], networkErrors: 0 };
  let faultsDone = false;
  void o.until.finally(() => (faultsDone = true));
  // However busy the machine, the run holds at least `minAccepted` jobs.
  const stopping = () => faultsDone && res.accepted.size >= o.minAccepted;
  const call = async (kind: Answer['kind'], url: string, init: RequestInit): Promise<Answer | null> => {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
      const a: Answer = { kind, status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.json().catch(() => null) };
      res.answers.push(a);
      if (kind === 'submit' && r.status === 202 && r.headers.get('idempotent-replayed') === 'true') (a.body as { replayed?: boolean }).replayed = true;
      return a;
    } catch {
      res.networkErrors++;
      return null;
    }
  };
  const user = async (u: number) => {
    let last: string | null = null;
    for (let n = 0; !stopping(); n++) {
      const idem = `load-${u}-${n}-${Math.random().toString(36).slice(2, 8)}`;
      let got503 = false;
      for (;;) {
        const a = await call('submit', `${base}/v1/jobs`, { method: 'POST', headers: authed(key, { 'content-type': 'application/json', 'idempotency-key': idem }), body: JSON.stringify(body) });
        if (a?.status === 202) {
          const b = a.body as { id: string; replayed?: boolean };
          res.accepted.set(idem, b.id);
          if (got503 && b.replayed) res.replayedAfter503.push(idem);
          last = b.id;
          break;
        }
        if (a?.status === 503) got503 = true;
        await new Promise((r) => setTimeout(r, Math.min(500, Number(a?.retryAfter ?? 0.2) * 1000)));
      }
      if (last) await call('status', `${base}/v1/jobs/${last}`, { headers: authed(key) });
      await new Promise((r) => setTimeout(r, o.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: o.users }, (_, u) => user(u)));
  return res;
}
