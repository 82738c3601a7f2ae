// compose.yaml against the Compose Specification schema (vendored).
import { RENDER_PATHS } from '../plan/file-paths.js';
import { checkDocuments } from './schema-check.js';
import { parseErrors, parsedDocs, readYamlFile } from './read-rendered.js';
import type { ValidationResult } from './types.js';

const NAME = 'compose.yaml (compose-spec schema)';

export function validateCompose(renderedDir: string): ValidationResult {
  const parsed = [readYamlFile(renderedDir, RENDER_PATHS.compose)];
  const errors = parseErrors(parsed);
  if (errors.length) return { name: NAME, ok: false, details: errors };
  return checkDocuments(NAME, 'compose-spec.schema.json', parsedDocs(parsed));
}
