// Traefik static and dynamic files against the Traefik v3 schemas (vendored from SchemaStore).
import { RENDER_PATHS } from '../plan/file-paths.js';
import { checkDocuments } from './schema-check.js';
import { parseErrors, parsedDocs, readYamlFile } from './read-rendered.js';
import type { ValidationResult } from './types.js';

function validateYamlAgainst(name: string, schema: string, renderedDir: string, rel: string): ValidationResult {
  const parsed = [readYamlFile(renderedDir, rel)];
  const errors = parseErrors(parsed);
  return errors.length ? { name, ok: false, details: errors } : checkDocuments(name, schema, parsedDocs(parsed));
}

export function validateTraefikStatic(renderedDir: string): ValidationResult {
  return validateYamlAgainst('traefik static (traefik-v3 schema)', 'traefik-v3.schema.json', renderedDir, RENDER_PATHS.traefikStatic);
}

export function validateTraefikDynamic(renderedDir: string): ValidationResult {
  return validateYamlAgainst('traefik dynamic (traefik-v3 file-provider schema)', 'traefik-v3-file-provider.schema.json', renderedDir, RENDER_PATHS.traefikDynamic);
}
