// One log line per request (not fastify's two), with route template, status and duration; the
// request id and user id come from the request's child logger. Health probes log at debug only.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { HEALTH_PATHS } from '../../contract/index.js';

const QUIET = new Set<string>([HEALTH_PATHS.live, HEALTH_PATHS.ready]);

export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const route = request.routeOptions.url ?? 'unmatched';
    // userId as a field, not a per-request child logger: a pino child per request costs more than the lookup it logs.
    const fields = { method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime), userId: request.userId || undefined };
    if (error) request.log.error({ ...fields, err: error }, 'request errored');
    else if (QUIET.has(route)) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
  }
}
