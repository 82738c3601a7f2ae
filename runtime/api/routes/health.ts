// /livez: the process answers and takes new requests — what the edge checks (503 once draining,
// whatever Postgres and Redis do; templates/haproxy/haproxy-health.ts says why). /readyz: Postgres
// and Redis reachable, migrations current, and not draining.
import type { FastifyInstance } from 'fastify';
import { HEALTH_PATHS } from '../../../contract/index.js';
import type { ApiDeps } from '../deps.js';

export function registerHealthRoutes(app: FastifyInstance, d: ApiDeps): void {
  app.get(HEALTH_PATHS.live, { schema: { summary: 'Liveness', tags: ['health'] } }, async (_req, reply) => (d.state.draining ? reply.code(503).send({ status: 'draining' }) : { status: 'ok' }));
  app.get(HEALTH_PATHS.ready, { schema: { summary: 'Readiness', tags: ['health'] } }, async (_req, reply) => {
    if (d.state.draining) return reply.code(503).send({ status: 'draining' });
    // The monitor's last answer, never a wait on the request pool (see core/readiness.ts).
    const r = d.readiness.current();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', checks: r.checks, pool: r.pool, checkedAt: r.checkedAt });
  });
}
