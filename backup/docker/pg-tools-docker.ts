// pg_dump / pg_restore run inside the stack's Postgres container (docker exec), so the client
// always matches the server's major version and nothing needs a published port. The argv is the
// same as the local runner's (pg-tools.ts); the password goes in through the exec environment.
import type Docker from 'dockerode';
import type { Readable, Writable } from 'node:stream';
import { BackupError } from '../../lib/errors.js';
import type { PgConn, PgTools, RunningTool } from '../parts/pg-tools.js';
import { execInContainer } from '../../engine/exec.js';

function runInContainer<S>(docker: Docker, containerId: string, bin: string, conn: PgConn, args: string[], pick: (e: ReturnType<typeof execInContainer>) => S): RunningTool<S> {
  const run = execInContainer(docker, containerId, [bin, ...args], { env: [`PGPASSWORD=${conn.password ?? ''}`, 'PGCONNECT_TIMEOUT=10'], stdin: bin === 'pg_restore' });
  const done = run.done.then(
    ({ exitCode, stderr }) => {
      if (exitCode !== 0) throw new BackupError(`part postgres: ${bin} in container ${containerId.slice(0, 12)} failed (exit ${exitCode}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`, 'check the connection details and the server log');
    },
    (err: Error) => {
      throw new BackupError(`part postgres: ${bin} in container ${containerId.slice(0, 12)} could not run: ${err.message}`, 'is the Postgres container running?');
    },
  );
  return { stream: pick(run), done };
}

export function createDockerPgTools(docker: Docker, containerId: string): PgTools {
  return {
    dump: (conn, args) => runInContainer<Readable>(docker, containerId, 'pg_dump', conn, args, (r) => r.stdout),
    restore: (conn, args) => runInContainer<Writable>(docker, containerId, 'pg_restore', conn, args, (r) => r.stdin),
  };
}
