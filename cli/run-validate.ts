// `prodctl validate`: the profile (errors exit 2), then every rendered file checked by the real
// tools this machine has (validate/run-validations.ts); skipped validations say why.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckError, UsageError } from '../lib/errors.js';
import { paint, printJson, printLine, shouldColor } from '../lib/output.js';
import type { StackPlan } from '../plan/types.js';
import { renderAll } from '../templates/render-all.js';
import { writeRendered } from '../templates/write-rendered.js';
import type { ValidationResult } from '../validate/types.js';
import { displayPath, type CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

export async function runValidate(ctx: CliContext, opts: { only?: string[] }): Promise<void> {
  const plan = await loadPlan(ctx);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodctl-validate-'));
  try {
    writeRendered(renderAll(plan), dir);
    // Lazy: the validators pull in ajv and the schemas, which the profile-error path never needs.
    const { runValidations, VALIDATOR_IDS } = await import('../validate/run-validations.js');
    const unknown = (opts.only ?? []).filter((n) => !VALIDATOR_IDS.includes(n));
    if (unknown.length > 0) throw new UsageError(`unknown validation ${unknown.map((n) => `'${n}'`).join(', ')}`, `use one of: ${VALIDATOR_IDS.join(', ')}`);
    const results = await runValidations(dir, plan, { only: opts.only });
    report(ctx, plan, results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(ctx: CliContext, plan: StackPlan, results: ValidationResult[]): void {
  const failed = results.filter((r) => !r.ok && !r.skipped);
  const skipped = results.filter((r) => r.skipped);
  if (ctx.json) {
    printJson({ profile: ctx.profilePath, ok: failed.length === 0, results });
  } else {
    const color = shouldColor();
    printLine(`profile ${displayPath(ctx.cwd, ctx.profilePath)}: ok (preset ${plan.preset}, target ${plan.target})`);
    for (const r of results) {
      const mark = r.skipped ? paint('skip', 'yellow', color) : r.ok ? paint('ok  ', 'green', color) : paint('FAIL', 'red', color);
      printLine(`${mark}  ${r.name}${r.skipped ? ` — skipped: ${r.skipped}` : ''}`);
      if (!r.ok && !r.skipped) for (const d of r.details) printLine(`        ${d}`);
    }
    printLine(`${results.length - failed.length - skipped.length} passed, ${failed.length} failed, ${skipped.length} skipped`);
  }
  if (failed.length > 0) {
    throw new CheckError(`${failed.length} validation(s) failed: ${failed.map((r) => r.name).join(', ')}`, 'see the details above; fix the profile or report a renderer bug');
  }
}
