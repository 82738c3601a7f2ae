import { TargetError, UsageError } from '../lib/errors.js';
import { printJson, printLine } from '../lib/output.js';
import { appendAudit } from '../state/audit.js';
import { createFileLockStore, formatHolder, readLockState, type LockStore } from '../state/lock.js';
import { selectTarget } from '../targets/select-target.js';
import type { CliContext } from './context.js';
import { loadPlan } from './load-stack.js';

export async function runLock(ctx: CliContext, action: string, o: { target?: string }): Promise<void> {
  if (action !== 'status' && action !== 'release') throw new UsageError(`unknown lock action "${action}"`, 'use `prodctl lock status` or `prodctl lock release`');
  const plan = await loadPlan(ctx);
  const target = await selectTarget(plan, ctx.log, o.target);
  const store: LockStore = target.lockStore?.({ plan, renderedDir: '', stateDir: ctx.stateDir, log: ctx.log, yes: ctx.yes }) ?? createFileLockStore(ctx.stateDir);
  const state = await readLockState(store);
  if (action === 'status') {
    if (ctx.json) printJson({ held: Boolean(state.info), stale: state.stale, ...state.info, where: store.describe() });
    else printLine(state.info ? `held by ${formatHolder(state.info)}${state.stale ? ' — STALE: its process is gone; `prodctl lock release` removes it' : ''}` : 'free');
    if (state.info && !state.stale && !ctx.json) process.exitCode = 1;
    return;
  }
  if (!state.info) return printLine('the lock is free: nothing to release');
  if (!state.stale && !ctx.yes) throw new TargetError(`the lock is held by ${formatHolder(state.info)} and that process is alive`, 'pass --yes to release it anyway (only if you are sure that deploy is gone)');
  await store.remove();
  appendAudit(ctx.stateDir, { command: 'lock release', args: [], outcome: 'ok', durationMs: 0, detail: `released ${formatHolder(state.info)}` });
  printLine(`released the lock of ${formatHolder(state.info)}`);
}
