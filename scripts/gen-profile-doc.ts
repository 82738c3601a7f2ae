// Writes docs/profile.md from the profile schema and presets: `npx tsx scripts/gen-profile-doc.ts`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderProfileDoc } from '../profile/render-profile-doc.js';

const out = fileURLToPath(new URL('../docs/profile.md', import.meta.url));
writeFileSync(out, renderProfileDoc());
process.stdout.write(`wrote ${out}\n`);
