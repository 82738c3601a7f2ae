// `prodctl schema`: the published JSON Schema, generated from profile/schema.ts.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatProfileJsonSchema } from '../profile/json-schema.js';

export function runSchema(opts: { out?: string }): void {
  const text = formatProfileJsonSchema();
  if (!opts.out) {
    process.stdout.write(text);
    return;
  }
  writeFileSync(path.resolve(opts.out), text);
  process.stderr.write(`wrote ${opts.out}\n`);
}
