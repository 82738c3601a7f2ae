// Writes docs/checks.md from the check registry: `npx tsx scripts/gen-checks-doc.ts`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChecksDoc } from '../checks/render-checks-doc.js';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/checks.md');
writeFileSync(out, renderChecksDoc());
process.stdout.write(`wrote ${out}\n`);
