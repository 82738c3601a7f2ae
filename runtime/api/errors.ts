// One error handler: HttpError as is, validation as 400 naming the field, Redis or Postgres being
// away as a fast 503 with Retry-After, anything else as a logged 500 without internals.
import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from '../core/errors.js';
import { isDependencyOutage } from '../core/outage.js';
import { StoreUnavailableError, TooLargeError } from '../core/storage.js';

/** Seconds a client waits before retrying a request that met a backing service away. */
export const OUTAGE_RETRY_AFTER_S = 2;

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send({ error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) });
    }
    if (err instanceof TooLargeError) return reply.code(413).send({ error: 'too_large', message: err.message });
    if (err instanceof StoreUnavailableError) {
      req.log.warn({ userId: req.userId, err: err.message }, 'object store unavailable');
      return reply.code(503).header('retry-after', String(err.retryAfterSeconds)).send({ error: 'storage_unavailable', message: 'file storage is unavailable; retry shortly' });
    }
    if ((err as FastifyError).validation) {
      const v = (err as FastifyError).validation![0];
      const where = (err as FastifyError).validationContext ?? 'body';
      const prop = v.keyword === 'required' ? `/${(v.params as { missingProperty: string }).missingProperty}` : v.instancePath;
      const field = `${where}${prop.replace(/\//g, '.')}`;
      return reply.code(400).send({ error: 'bad_request', message: `${field}: ${v.message}`, field });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: (err as FastifyError).code ?? 'bad_request', message: err.message });
    if (isDependencyOutage(err)) {
      req.log.warn({ userId: req.userId, err: err.message, code: (err as { code?: string }).code }, 'dependency unavailable');
      return reply.code(503).header('retry-after', String(OUTAGE_RETRY_AFTER_S)).send({ error: 'unavailable', message: 'a backing service is unavailable; retry shortly' });
    }
    req.log.error({ userId: req.userId, err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
}
