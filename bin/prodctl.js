#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// `prodctl … | head` closes the pipe early; that is not an error.
for (const s of [process.stdout, process.stderr]) s.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('error: prodctl is not built — run `npm run build` (or `npm ci`) in the prodctl folder\n');
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
