// `prodctl autoscale run --once` against a real native stack: the controller scales the workers
// through the native target (supervised processes), records the decision in the audit log and the
// state folder, and yields to a deploy that holds the lock.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, createFileLockStore, describeSelf } from '../../state/lock.js';
import { startNativeStack, type NativeStack } from '../checks/native-stack.js';
import { waitUntil } from '../native/support.js';

let stack: NativeStack;

beforeAll(async () => {
  stack = await startNativeStack('prodctl-autoscale-', {
    project: { name: 'pdf-autoscale' },
    monitoring: { enabled: false },
    workers: { replicas: 1 },
    // The controller by hand (--once), not as the stack's service: test/autoscale/native-burst.test.ts runs that.
    autoscale: { enabled: true, min: 2, max: 3, target_jobs_per_worker: 4, scale_down_window: '20s', poll_interval: '1s', service: false },
  });
}, 240_000);

afterAll(async () => {
  await stack?.down();
});

async function runningWorkers(): Promise<number> {
  return (await (await stack.supervisor()).status()).filter((p) => p.service === 'worker' && p.state === 'running').length;
}

interface Decision { current: number; desired: number; reason: string; applied: boolean; why: string }

async function once(...sets: string[]): Promise<Decision> {
  const r = await stack.cli(['autoscale', 'run', '--once', '--json', ...sets.flatMap((s) => ['--set', s])], 180_000);
  expect(r.stderr).not.toMatch(/^error:/m);
  expect(r.exitCode).toBe(0);
  return JSON.parse(String(r.stdout)) as Decision;
}

describe('prodctl autoscale run on the native target', () => {
  it('raises the workers to min through the target and records why', async () => {
    expect(await runningWorkers()).toBe(1);
    const d = await once();
    expect(d).toMatchObject({ current: 1, desired: 2, reason: 'below-min', applied: true });
    await waitUntil(async () => (await runningWorkers()) === 2, 60_000, 500);
    const audit = readFileSync(path.join(stack.stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(audit.filter((e) => e.command === 'autoscale')).toMatchObject([{ args: ['workers=2'], outcome: 'ok' }]);
    const state = JSON.parse(readFileSync(path.join(stack.stateDir, 'autoscale.json'), 'utf8'));
    expect(state).toMatchObject({ current: 1, desired: 2, reason: 'below-min' });
  });

  it('waits while a deploy holds the lock, then acts', async () => {
    const release = await acquireLock(createFileLockStore(stack.stateDir), describeSelf('deploy'));
    let d: Decision;
    try {
      d = await once('autoscale.min=3');
    } finally {
      await release();
    }
    expect(d).toMatchObject({ current: 2, desired: 3, reason: 'deploy-running', applied: false });
    expect(await runningWorkers()).toBe(2);
    expect(await once('autoscale.min=3')).toMatchObject({ current: 2, desired: 3, reason: 'below-min', applied: true });
    await waitUntil(async () => (await runningWorkers()) === 3, 60_000, 500);
  });

  it('resumes its history from the state folder: no scale-down before the window has passed', async () => {
    // Idle queue, min back at 2: the recommendation is 2, but the window (kept across runs) saw 3.
    expect(await once()).toMatchObject({ current: 3, desired: 3, reason: 'down-window', applied: true });
  });

  it('shows the last decision and why in `prodctl status`', async () => {
    const json = await stack.cli(['status', '--json']);
    expect(JSON.parse(String(json.stdout)).autoscale).toMatchObject({ current: 3, desired: 3, reason: 'down-window' });
    const text = String((await stack.cli(['status'])).stdout);
    expect(text).toMatch(/^Autoscaler \(/m);
    expect(text).toMatch(/^ {2}workers +3 → 3$/m);
    expect(text).toMatch(/^ {2}why +down-window: wants 2, holding 3: wanted 3 within 20s \(waiting 0, active 0, oldest 0s\)$/m);
  });
});
