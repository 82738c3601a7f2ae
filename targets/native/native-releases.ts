// Releases on the native target: up, deploy and rollback run under the state folder's deploy lock
// and record each release that changed the stack in releases.json (as the engine targets do), with
// the runtime build folder as its "image" and the build's content hash as its "imageId". That is
// how `prodctl rollback` finds the previous release, and how it knows the folder still holds it.
import os from 'node:os';
import path from 'node:path';
import { TargetError } from '../../lib/errors.js';
import { redactText } from '../../lib/redact.js';
import { appendAudit, describeActor } from '../../state/audit.js';
import { acquireLock, createFileLockStore, describeSelf } from '../../state/lock.js';
import { readNativeState } from '../../state/native-state.js';
import { findLastGood, makeReleaseId, readReleases, recordRelease } from '../../state/releases.js';
import type { DeployOptions, DeployResult, TargetContext } from '../types.js';
import { assertRuntimeBuild } from './native-context.js';
import { nativePaths } from './supervisor/paths.js';
import { buildVersion } from './release-version.js';

type Command = 'up' | 'deploy' | 'rollback';

/** Runs `fn` under the native deploy lock; audits it and records the release it leaves running. */
export async function withNativeRelease(ctx: TargetContext, command: Command, opts: DeployOptions, fn: () => Promise<DeployResult>): Promise<DeployResult> {
  const started = Date.now();
  const unlock = await acquireLock(createFileLockStore(ctx.stateDir), describeSelf(command), {
    waitMs: opts.lockWait,
    onStale: (i) => ctx.log.warn(`taking over a stale deploy lock of ${i.holder}@${i.host} (pid ${i.pid} is gone)`),
  });
  try {
    // A stack from before releases were recorded: what runs now becomes the release to return to.
    recordRunningRelease(ctx, 'up', started);
    const result = await fn();
    const recorded = result.outcome === 'applied' ? recordRunningRelease(ctx, command, started) : undefined;
    appendAudit(ctx.stateDir, { command, args: [result.release ?? opts.version ?? ''], outcome: result.outcome === 'noop' ? 'noop' : 'ok', durationMs: Date.now() - started, detail: recorded });
    return result;
  } catch (err) {
    // An error may quote a failing service's output: what reaches the files on disk is redacted.
    const reason = redactText((err as Error).message);
    if (command !== 'up') recordAttempt(ctx, command, opts, started, reason);
    appendAudit(ctx.stateDir, { command, args: [opts.version ?? ''], outcome: 'failed', durationMs: Date.now() - started, detail: reason });
    throw err;
  } finally {
    await unlock();
  }
}

/** Records the release native state says runs now (for `up`: unless it is already the last good one). */
function recordRunningRelease(ctx: TargetContext, command: Command, started: number): string | undefined {
  const running = readNativeState(nativePaths(ctx.stateDir).stateFile)?.release;
  if (!running) return undefined;
  const last = findLastGood(readReleases(ctx.stateDir));
  // Already recorded: keep its hash, which is the build as it was when it started.
  if (command === 'up' && last?.version === running.version && last.image === running.build) return undefined;
  const imageId = buildVersion(running.build);
  const now = new Date(started);
  const id = makeReleaseId(now, running.version);
  recordRelease(ctx.stateDir, {
    id, version: running.version, image: running.build, imageId, planHash: '', who: describeActor(), host: os.hostname(),
    startedAt: now.toISOString(), durationMs: Date.now() - started, outcome: 'applied', kind: command === 'rollback' ? 'rollback' : 'deploy',
  });
  return id;
}

/** A deploy or rollback that stopped: the old replicas keep serving; the history says so. */
function recordAttempt(ctx: TargetContext, command: Command, opts: DeployOptions, started: number, reason: string): void {
  const build = path.resolve(opts.build ?? '.');
  const now = new Date(started);
  const version = opts.version ?? 'unknown';
  recordRelease(ctx.stateDir, {
    id: makeReleaseId(now, version), version, image: build, imageId: '', planHash: '', who: describeActor(), host: os.hostname(),
    startedAt: now.toISOString(), durationMs: Date.now() - started, outcome: 'rolled-back', kind: command === 'rollback' ? 'rollback' : 'deploy', reason,
  });
}

/**
 * Before a rollback: the release's build folder must still hold the build that ran (same content
 * hash), or "rolling back" would start whatever was rebuilt there since.
 */
export function assertRollbackBuild(ctx: TargetContext, opts: DeployOptions): void {
  if (!opts.build) throw new TargetError('rollback on the native target needs the release\'s build folder', 'pick a release from `prodctl releases`');
  assertRuntimeBuild(opts.build);
  const record = [...readReleases(ctx.stateDir)].reverse().find((r) => r.outcome === 'applied' && r.image === opts.build && (!opts.version || r.version === opts.version));
  const now = buildVersion(opts.build);
  if (record?.imageId && record.imageId !== now) {
    throw new TargetError(
      `the build folder ${opts.build} no longer holds release ${record.version} (its content is now ${now}, was ${record.imageId})`,
      'keep each release\'s build folder until you no longer need to return to it, or deploy the build you want with `prodctl deploy --build`',
    );
  }
}
