// One log line per request (not fastify's two), with route template, status and duration, request
// id and user id. Health probes log at debug only. The line goes through the access logger (see
// createAccessLogger): its fields are all ours, so it skips the redaction pass of the main logger;
// errors still go through the request's logger, redaction included.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { HEALTH_PATHS } from '../../contract/index.js';
import type { Logger } from '../core/logger.js';

const QUIET = new Set<string>([HEALTH_PATHS.live, HEALTH_PATHS.ready]);

export class OneLinePerRequest extends LogController {
  constructor(private readonly access: Logger) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeUrl;
    const fields = { reqId: request.id, method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), userId: request.userId || undefined };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else if (QUIET.has(route)) this.access.debug(fields, 'request completed');
    else this.access.info(fields, 'request completed');
  }
}

type LogFn = (...args: unknown[]) => void;
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/**
 * Fastify's per-request logger (request.log, bindings: reqId), made only when a request actually
 * logs through it: a pino child serialises and redacts its bindings at birth, and most requests
 * never use theirs (the access line above carries reqId itself). Calls at a level the parent would
 * drop are dropped without making one.
 */
export class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindingsOf: Record<string, unknown>,
    private readonly opts: object,
  ) {}

  /** The pino child, made on first use. */
  real(): Logger {
    return (this.made ??= this.parent.child(this.bindingsOf, this.opts));
  }

  get level(): string {
    return this.made?.level ?? (this.opts as { level?: string }).level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.made ? this.made.isLevelEnabled(level) : (this.opts as { level?: string }).level ? this.real().isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  child(bindings: Record<string, unknown>, opts?: object): Logger {
    return this.real().child(bindings, opts);
  }

  bindings(): Record<string, unknown> {
    return this.real().bindings();
  }

  silent(): void {}

  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
}

for (const level of LEVELS) {
  Object.defineProperty(LazyRequestLogger.prototype, level, {
    value(this: LazyRequestLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(level)) return;
      this.real()[level](...(args as [string]));
    },
  });
}

export function lazyChildLoggerFactory(logger: Logger, bindings: Record<string, unknown>, opts: object): LazyRequestLogger {
  return new LazyRequestLogger(logger, bindings, opts);
}
