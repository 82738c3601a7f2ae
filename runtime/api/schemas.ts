// Route schemas: Fastify validates and serialises with them, and /v1/openapi.json is built from
// the same objects.
import { JOB_OPS, JOB_STATES } from '../../contract/index.js';

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } },
  required: ['error', 'message'],
} as const;

export const binary = { type: 'string', format: 'binary', description: 'application/pdf bytes' } as const;
export const empty = { type: 'null', description: 'no body' } as const;

export const idParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
} as const;

export const fileSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    sha256: { type: 'string' },
    bytes: { type: 'integer' },
    pages: { type: ['integer', 'null'] },
    filename: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
  },
  required: ['id', 'sha256', 'bytes', 'pages'],
} as const;

export const jobCreateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['op', 'inputs'],
  properties: {
    op: { type: 'string', enum: [...JOB_OPS] },
    inputs: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', format: 'uuid' } },
    params: { type: 'object', description: 'Per-op parameters: components.schemas.<op>Params in this document' },
  },
} as const;

export const jobAccepted = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, state: { type: 'string', enum: [...JOB_STATES] } },
  required: ['id', 'state'],
} as const;

export const jobSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    op: { type: 'string', enum: [...JOB_OPS] },
    state: { type: 'string', enum: [...JOB_STATES] },
    progress: { type: 'integer' },
    attempts: { type: 'integer' },
    error: { type: ['string', 'null'] },
    result: { type: 'array', items: { type: 'string', format: 'uuid' } },
    info: { type: ['object', 'null'], additionalProperties: true },
    timings: {
      type: 'object',
      properties: {
        createdAt: { type: 'string' },
        startedAt: { type: ['string', 'null'] },
        finishedAt: { type: ['string', 'null'] },
        queuedMs: { type: ['integer', 'null'] },
        runMs: { type: ['integer', 'null'] },
      },
    },
  },
  required: ['id', 'op', 'state', 'progress', 'attempts', 'error', 'result', 'timings'],
} as const;
