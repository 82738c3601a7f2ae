// Validation of parsed documents against a vendored JSON Schema (schemas/vendor/) with Ajv.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { ValidationResult } from './types.js';

/** The package root (holds package.json), whether running from the sources or from dist/. */
export function packageRoot(from = import.meta.dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package.json not found above ${from}`);
    dir = up;
  }
  return dir;
}

export function vendoredSchemaPath(file: string): string {
  return path.join(packageRoot(), 'schemas', 'vendor', file);
}

export function compileSchema(file: string): ValidateFunction {
  // The schemas name meta-schemas (draft-04, https draft-07) Ajv does not bundle; they are used as is.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  const add = addFormats as unknown as { default?: (a: Ajv) => void } & ((a: Ajv) => void);
  (add.default ?? add)(ajv);
  return ajv.compile(toDraft7Ids(JSON.parse(readFileSync(vendoredSchemaPath(file), 'utf8'))));
}

/** Draft-04 schemas (Grafana's) name themselves with `id`; Ajv 8 only accepts `$id`. */
function toDraft7Ids(schema: Record<string, unknown>): Record<string, unknown> {
  if (typeof schema.id !== 'string' || '$id' in schema) return schema;
  const { id, ...rest } = schema;
  return { $id: id, ...rest };
}

/** One result for a set of documents checked against one schema; details name file and JSON path. */
export function checkDocuments(name: string, schemaFile: string, docs: { file: string; doc: unknown }[]): ValidationResult {
  if (docs.length === 0) return { name, ok: false, details: ['no file to validate — run prodctl render first'] };
  const validate = compileSchema(schemaFile);
  const details: string[] = [];
  for (const d of docs) {
    if (validate(d.doc)) continue;
    for (const e of validate.errors ?? []) details.push(`${d.file}: ${e.instancePath || '/'} ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
  return { name, ok: details.length === 0, details: details.length ? details : docs.map((d) => `${d.file}: valid against ${schemaFile}`) };
}
