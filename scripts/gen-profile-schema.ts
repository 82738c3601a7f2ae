// Writes profile/prodctl.schema.json (the file examples reference through
// `# yaml-language-server: $schema=`). Run after changing profile/schema.ts:
//   npx tsx scripts/gen-profile-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatProfileJsonSchema } from '../profile/json-schema.js';

const out = fileURLToPath(new URL('../profile/prodctl.schema.json', import.meta.url));
writeFileSync(out, formatProfileJsonSchema());
process.stdout.write(`wrote ${out}\n`);
