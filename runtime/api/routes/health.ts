// /livez: the process answers. /readyz: Postgres and Redis reachable, migrations current, and
// not draining — the edge takes a replica out of rotation the moment this turns 503.
import type { FastifyInstance } from 'fastify';
import { HEALTH_PATHS } from '../../../contract/index.js';
import { probeReadiness } from '../../core/readiness.js';
import type { ApiDeps } from '../deps.js';

export function registerHealthRoutes(app: FastifyInstance, d: ApiDeps): void {
  app.get(HEALTH_PATHS.live, { schema: { summary: 'Liveness', tags: ['health'] } }, async () => ({ status: 'ok' }));
  app.get(HEALTH_PATHS.ready, { schema: { summary: 'Readiness', tags: ['health'] } }, async (_req, reply) => {
    if (d.state.draining) return reply.code(503).send({ status: 'draining' });
    const checks = await probeReadiness(d);
    const ok = checks.postgres === 'ok' && checks.redis === 'ok' && checks.migrations === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
}
