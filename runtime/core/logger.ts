// pino JSON logs. Secrets never reach a log line: auth headers, cookies, keys and passwords are
// redacted by path, and pdk_ API keys or bearer tokens inside messages are masked.
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  '*.password',
  '*.apiKeyPepper',
  '*.token',
  'apiKey',
];

/**
 * stdout, buffered instead of one write(2) per line: under load, per-line syscalls cost more than
 * the request itself. Flushed every second too: with a size threshold alone, a quiet service held
 * its last lines (up to 4 KiB of them) until more traffic came or the process exited. pino flushes
 * the buffer synchronously on exit; a SIGKILL loses at most the last second.
 */
export const LOG_BUFFER = { dest: 1, sync: false, minLength: 16 * 1024, maxWrite: 64 * 1024, periodicFlush: 1000 } as const;

export function createLogger(opts: { level: string; role: string; release: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: opts.level,
      base: { role: opts.role, release: opts.release, pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '***' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          // Mask key-shaped strings in free text too (a client may paste a key into a URL or body).
          const masked = args.map((a) => (typeof a === 'string' ? maskSecrets(a) : a)) as typeof args;
          return method.apply(this, masked);
        },
      },
      timestamp: createIsoTime(),
    },
    (opts.destination as pino.DestinationStream | undefined) ?? pino.destination(LOG_BUFFER),
  );
}

/**
 * The one-line-per-request access log: same destination, base fields and format as `log`, but no
 * redaction pass or message hook. Its fields are ours alone (method, route template, status,
 * duration, request and user id) and never carry a header, URL or body, and skipping the two
 * costs about as much CPU as the rest of a cached status read.
 */
export function createAccessLogger(log: Logger): Logger {
  return pino(
    { level: log.level, base: { ...log.bindings(), pid: process.pid }, formatters: { level: (label) => ({ level: label }) }, timestamp: createIsoTime() },
    (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym],
  );
}

/** pino's isoTime, formatted once per millisecond instead of once per line (same output). */
export function createIsoTime(now: () => number = Date.now): () => string {
  let at = -1;
  let field = '';
  return () => {
    const t = now();
    if (t !== at) {
      at = t;
      field = `,"time":"${new Date(t).toISOString()}"`;
    }
    return field;
  };
}

export function maskSecrets(text: string): string {
  return text.replace(/(Bearer\s+)[A-Za-z0-9._~+/=_-]+/gi, '$1***').replace(/(pdk_)[A-Za-z0-9_-]{8,}/g, '$1***');
}
