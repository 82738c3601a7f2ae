// The Fastify app: hooks, routes and error handling, built from explicit dependencies.
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createAccessLogger } from '../core/logger.js';
import type { ApiDeps } from './deps.js';
import { installErrorHandler } from './errors.js';
import { installHooks } from './hooks.js';
import { lazyChildLoggerFactory, OneLinePerRequest } from './request-log.js';
import { registerFileRoutes } from './routes/files.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerJobRoutes } from './routes/jobs.js';
import { collectRoutes, registerOpenApiRoute } from './routes/openapi.js';

export async function buildApi(d: ApiDeps): Promise<FastifyInstance> {
  // Typed as the default instance: route modules do not care which pino logger sits inside.
  const app = Fastify({
    loggerInstance: d.log,
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    requestTimeout: d.cfg.requestTimeoutMs,
    // Keep-alive sockets must not pin a draining process: close idle ones on close().
    forceCloseConnections: 'idle',
    logController: new OneLinePerRequest(createAccessLogger(d.log)),
    childLoggerFactory: lazyChildLoggerFactory as unknown as FastifyServerOptions['childLoggerFactory'],
    bodyLimit: 1024 * 1024,
    // req.ip is the client behind the edge (per-source limits), not the edge itself.
    trustProxy: d.cfg.trustProxy,
  }) as unknown as FastifyInstance;
  const routes = collectRoutes(app);
  await app.register(multipart, { limits: { files: 1, fileSize: d.cfg.maxUploadBytes, fields: 5 } });
  // Uploads stream straight from the socket to storage: no parser may buffer them.
  app.addContentTypeParser(['application/pdf', 'application/octet-stream'], (_req, _payload, done) => done(null));
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));
  installErrorHandler(app);
  installHooks(app, d);
  registerHealthRoutes(app, d);
  registerFileRoutes(app, d);
  registerJobRoutes(app, d);
  registerOpenApiRoute(app, routes, d.cfg.release);
  return app;
}
