// The published JSON Schema of prodctl.yaml, generated from the same zod schema that validates
// it (so editors autocomplete exactly what the loader accepts). `io: 'input'` keeps defaulted
// keys optional, as a user writes them.
import { z } from 'zod';
import { profileSchema } from './schema.js';

export const PROFILE_SCHEMA_ID = 'https://prodctl.dev/schema/prodctl.schema.json';

export function buildProfileJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(profileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...dropPresetSuppliedRequired(generated),
    $id: PROFILE_SCHEMA_ID,
    title: 'prodctl profile (prodctl.yaml)',
    description: 'One stack: extends a preset (small, medium, large) and overrides any key. Generated from profile/schema.ts — do not edit by hand.',
  };
}

/** The schema as the committed file holds it: 2-space JSON with a final newline. */
export function formatProfileJsonSchema(): string {
  return `${JSON.stringify(buildProfileJsonSchema(), null, 2)}\n`;
}

/**
 * A profile extends a preset, which supplies every key: so no object key is required in the
 * file the user writes. Array items (receivers, stages, waivers) are not merged with the
 * preset and keep their required keys.
 */
function dropPresetSuppliedRequired(node: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'required') continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, child]) => [name, dropPresetSuppliedRequired(child as Record<string, unknown>)]));
    } else if ((k === 'additionalProperties' || k === 'anyOf') && v && typeof v === 'object') {
      out[k] = Array.isArray(v) ? v.map((c) => dropPresetSuppliedRequired(c as Record<string, unknown>)) : dropPresetSuppliedRequired(v as Record<string, unknown>);
    } else {
      out[k] = v;
    }
  }
  return out;
}
