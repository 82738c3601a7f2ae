// Per-op parameter schemas (JSON Schema): validated on POST /v1/jobs with a 400 that names the bad
// field, and published in /v1/openapi.json. One source for both.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { JOB_OPS, type JobOp } from '../../contract/index.js';
import { HttpError } from './errors.js';
import { PAGE_RANGES_PATTERN } from './pdf/page-ranges.js';

const ranges = { type: 'string', pattern: PAGE_RANGES_PATTERN, maxLength: 1000, description: '1-based page ranges, e.g. 1-3,5,8-' };
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });

export const OP_PARAM_SCHEMAS: Record<JobOp, Record<string, unknown>> = {
  info: { type: 'object', additionalProperties: false, properties: {} },
  merge: { type: 'object', additionalProperties: false, properties: {} },
  split: {
    type: 'object',
    additionalProperties: false,
    required: ['ranges'],
    properties: { ranges: { type: 'array', minItems: 1, maxItems: 200, items: ranges } },
  },
  rotate: {
    type: 'object',
    additionalProperties: false,
    required: ['degrees'],
    properties: { degrees: { type: 'integer', enum: [90, 180, 270, -90] }, pages: ranges },
  },
  watermark: {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    properties: {
      text: text(200),
      opacity: { type: 'number', minimum: 0, maximum: 1 },
      angle: { type: 'number', minimum: -360, maximum: 360 },
      fontSize: { type: 'number', minimum: 4, maximum: 400 },
    },
  },
  optimize: {
    type: 'object',
    additionalProperties: false,
    properties: { objectStreams: { type: 'boolean' }, stripUnused: { type: 'boolean' } },
  },
  extract: { type: 'object', additionalProperties: false, required: ['pages'], properties: { pages: ranges } },
  metadata: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: {
      title: text(500),
      author: text(500),
      subject: text(500),
      creator: text(500),
      producer: text(500),
      keywords: { type: 'array', maxItems: 50, items: text(100) },
    },
  },
};

/** How many input files each op takes. */
export const OP_INPUTS: Record<JobOp, { min: number; max: number }> = {
  info: { min: 1, max: 1 },
  merge: { min: 2, max: 20 },
  split: { min: 1, max: 1 },
  rotate: { min: 1, max: 1 },
  watermark: { min: 1, max: 1 },
  optimize: { min: 1, max: 1 },
  extract: { min: 1, max: 1 },
  metadata: { min: 1, max: 1 },
};

function fieldOf(e: ErrorObject): string {
  const base = `params${e.instancePath.replace(/\//g, '.')}`;
  if (e.keyword === 'required') return `${base}.${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties') return `${base}.${(e.params as { additionalProperty: string }).additionalProperty}`;
  return base;
}

export function createParamsValidator() {
  const ajv = new Ajv({ allErrors: false, strict: false });
  const compiled = new Map<JobOp, ValidateFunction>(JOB_OPS.map((op) => [op, ajv.compile(OP_PARAM_SCHEMAS[op])]));
  return (op: JobOp, inputs: string[], params: unknown): void => {
    const n = OP_INPUTS[op];
    if (inputs.length < n.min || inputs.length > n.max) {
      const want = n.min === n.max ? `exactly ${n.min}` : `${n.min} to ${n.max}`;
      throw new HttpError(400, 'bad_request', `inputs: ${op} takes ${want} file(s), got ${inputs.length}`, {}, 'inputs');
    }
    const validate = compiled.get(op)!;
    if (!validate(params ?? {})) {
      const e = validate.errors![0];
      const field = fieldOf(e);
      throw new HttpError(400, 'bad_request', `${field}: ${e.message ?? 'is invalid'}`, {}, field);
    }
  };
}
