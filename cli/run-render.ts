// `prodctl render`: profile → plan → every config file, written atomically into --out.

import path from 'node:path';
import { printJson, printLine } from '../lib/output.js';
import { renderAll } from '../templates/render-all.js';
import { writeRendered } from '../templates/write-rendered.js';
import { displayPath, type CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

/** Default output: ./rendered next to the profile, where a user looks for it (the state folder keeps its own copy for targets). */
export function defaultRenderDir(ctx: CliContext): string {
  return path.join(path.dirname(ctx.profilePath), 'rendered');
}

export async function runRender(ctx: CliContext, opts: { out?: string }): Promise<void> {
  const plan = await loadPlan(ctx);
  const files = renderAll(plan);
  const outDir = opts.out ? path.resolve(ctx.cwd, opts.out) : defaultRenderDir(ctx);
  const written = writeRendered(files, outDir);
  if (ctx.json) {
    printJson({ outDir, files: files.map((f) => ({ path: f.path, bytes: Buffer.byteLength(f.content) })) });
    return;
  }
  for (const f of written) printLine(displayPath(ctx.cwd, f));
  printLine(`${written.length} files written to ${displayPath(ctx.cwd, outDir)}`);
}

