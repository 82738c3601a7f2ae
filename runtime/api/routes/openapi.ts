// /v1/openapi.json, generated from the schemas the routes validate with (collected on registration).
import type { FastifyInstance, RouteOptions } from 'fastify';
import { JOB_OPS } from '../../../contract/index.js';
import { OP_PARAM_SCHEMAS } from '../../core/job-params.js';

interface Collected {
  method: string;
  url: string;
  schema: Record<string, unknown>;
  auth: boolean;
}

/** Call before registering routes: records each route's schema for the document. */
export function collectRoutes(app: FastifyInstance): Collected[] {
  const routes: Collected[] = [];
  app.addHook('onRoute', (r: RouteOptions) => {
    const methods = (Array.isArray(r.method) ? r.method : [r.method]).filter((m) => m !== 'HEAD');
    for (const method of methods) routes.push({ method: method.toLowerCase(), url: r.url, schema: (r.schema ?? {}) as Record<string, unknown>, auth: Boolean((r.config as { bucket?: string } | undefined)?.bucket) });
  });
  return routes;
}

export function buildOpenApi(routes: Collected[], release: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (r.url === '/v1/openapi.json') continue;
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    const s = r.schema as { summary?: string; tags?: string[]; body?: unknown; params?: { properties?: Record<string, unknown> }; response?: Record<string, unknown> };
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries(s.response ?? { 200: {} })) responses[code] = { description: code, content: { 'application/json': { schema } } };
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: s.summary,
      tags: s.tags,
      security: r.auth ? [{ bearer: [] }] : [],
      parameters: Object.entries(s.params?.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses,
    };
  }
  const components: Record<string, unknown> = {};
  for (const op of JOB_OPS) components[`${op}Params`] = OP_PARAM_SCHEMAS[op];
  return {
    openapi: '3.1.0',
    info: { title: 'prodctl PDF service', version: release },
    paths,
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'OIDC access token (JWT) or a pdk_ API key' } } },
  };
}

export function registerOpenApiRoute(app: FastifyInstance, routes: Collected[], release: string): void {
  app.get('/v1/openapi.json', { schema: { summary: 'This document', tags: ['meta'] } }, async () => buildOpenApi(routes, release));
}
