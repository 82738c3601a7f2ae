// The k6 scripts type-checked against @types/k6 with the TypeScript compiler (`tsc --noEmit`) in a
// temp folder, the same way a user's editor would see them.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listRendered } from './read-rendered.js';
import { runTool, tail } from './run-tool.js';
import { packageRoot } from './schema-check.js';
import type { ValidationResult } from './types.js';

const NAME = 'k6 scripts (tsc against @types/k6)';
const LOADTEST_DIR = 'loadtest';

export function k6TsConfig(typeRoots: string): Record<string, unknown> {
  return {
    compilerOptions: { strict: true, noEmit: true, target: 'es2020', module: 'esnext', moduleResolution: 'bundler', lib: ['es2020'], types: ['k6'], typeRoots: [typeRoots] },
    include: [`${LOADTEST_DIR}/*.ts`],
  };
}

export async function validateK6(renderedDir: string): Promise<ValidationResult> {
  const scripts = listRendered(renderedDir, LOADTEST_DIR, '.ts');
  if (scripts.length === 0) return { name: NAME, ok: false, details: ['no k6 script under loadtest/ — run prodctl render first'] };
  const root = packageRoot();
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  const typeRoots = path.join(root, 'node_modules', '@types');
  if (!existsSync(tsc) || !existsSync(path.join(typeRoots, 'k6'))) {
    return { name: NAME, ok: true, skipped: 'typescript or @types/k6 not installed — npm install --no-save typescript@5 @types/k6', details: [] };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-validate-k6-'));
  try {
    mkdirSync(path.join(dir, LOADTEST_DIR));
    for (const s of scripts) copyFileSync(path.join(renderedDir, s), path.join(dir, s));
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(k6TsConfig(typeRoots)));
    const r = await runTool(tsc, ['-p', path.join(dir, 'tsconfig.json')]);
    if (!r) return { name: NAME, ok: true, skipped: `${tsc} could not run — npm ci`, details: [] };
    return { name: NAME, ok: r.code === 0, details: r.code === 0 ? scripts.map((s) => `${s}: type-checks`) : tail(r.output.replaceAll(dir + path.sep, ''), 20) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
