// Is this error a backing service (Postgres, Redis, storage) being away, rather than a bug or a
// bad request? Decided by the error's class and code: the API answers such errors 503 with
// Retry-After, and a worker waits for the service instead of spending a job's attempts on it.

/** Socket and file-system codes of a peer or a disk being unreachable, not of a mistake of ours. */
const SYSTEM_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EIO', 'ESTALE']);

/**
 * SQLSTATEs of a Postgres server that cannot serve now: class 08 (connection exception), 53
 * (insufficient resources: too many connections, out of memory, disk full), 57P01–57P03 (admin or
 * crash shutdown, cannot connect now: starting or recovering), 57014 (statement timeout or cancel).
 */
function isPostgresUnavailableState(code: string): boolean {
  return code.startsWith('08') || code.startsWith('53') || code === '57P01' || code === '57P02' || code === '57P03' || code === '57P04' || code === '57014';
}

/**
 * Redis error replies whose code (the reply's first word, by the protocol) says "not now":
 * loading the dataset, a busy script, a replica without its master, out of memory under noeviction.
 */
const REDIS_UNAVAILABLE_REPLIES = new Set(['LOADING', 'BUSY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN', 'OOM', 'READONLY']);

/**
 * Errors that pg, pg-pool and ioredis raise with neither a code nor a class of their own when the
 * connection is gone or cannot be had. They are compared whole, as the libraries word them
 * (pg/lib/client.js, pg-pool/index.js, ioredis/built/Redis.js and Command.js), never by pattern.
 */
const CODELESS_LIBRARY_ERRORS = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection is closed.',
  "Stream isn't writeable and enableOfflineQueue options is false",
  'Command timed out',
]);

/** ioredis's own classes: retries of a command used up, or a command aborted by a closing connection. */
const REDIS_ABORT_CLASSES = new Set(['MaxRetriesPerRequestError', 'AbortError']);

export function isDependencyOutage(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { name?: string; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown; severity?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (code && SYSTEM_CODES.has(code)) return true;
  // pg's DatabaseError carries the server's SQLSTATE (five characters) and a severity.
  if (e.name === 'error' && typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(code)) return isPostgresUnavailableState(code);
  if (e.name && REDIS_ABORT_CLASSES.has(e.name)) return true;
  if (e.name === 'ReplyError' && typeof e.message === 'string') return REDIS_UNAVAILABLE_REPLIES.has(e.message.split(' ', 1)[0]);
  if (typeof e.message === 'string' && CODELESS_LIBRARY_ERRORS.has(e.message)) return true;
  // Node wraps a failed dual-stack connect in an AggregateError; libraries chain causes.
  if (Array.isArray(e.errors) && e.errors.some((x) => isDependencyOutage(x, depth + 1))) return true;
  return isDependencyOutage(e.cause, depth + 1);
}
